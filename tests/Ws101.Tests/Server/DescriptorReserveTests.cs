using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>
/// The spare descriptors the server holds on /dev/null and gives back when accept finds none left. Counted in
/// /proc/self/fd, so these run alone (no other test opening or closing /dev/null meanwhile).
/// </summary>
[Collection(nameof(ConcurrencyTests))]
public class DescriptorReserveTests
{
    [Fact]
    public void the_reserve_holds_its_descriptors_gives_them_back_and_takes_them_again_when_there_is_room()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "counts descriptors in /proc/self/fd");
        int before = OpenOnNullDevice();

        using var reserve = DescriptorReserve.Open(16)!;
        Assert.True(reserve.IsHeld);
        Assert.Equal(before + 16, OpenOnNullDevice());

        Assert.True(reserve.Release());
        Assert.False(reserve.IsHeld);
        Assert.Equal(before, OpenOnNullDevice());
        Assert.False(reserve.Release());

        Assert.True(reserve.TryRestore());
        Assert.True(reserve.IsHeld);
        Assert.Equal(before + 16, OpenOnNullDevice());

        reserve.Dispose();
        Assert.Equal(before, OpenOnNullDevice());
        Assert.False(reserve.TryRestore());
    }

    private static int OpenOnNullDevice() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget == "/dev/null");
}
