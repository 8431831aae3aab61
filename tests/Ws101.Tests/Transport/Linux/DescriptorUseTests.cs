using Ws101.Transport.Linux;

namespace Ws101.Tests.Transport.Linux;

/// <summary>
/// A descriptor is closed when it is closed and no system call is in flight on it, by whichever leaves last: a close from
/// one thread never lets another thread's call reach the number after the kernel has given it to a new socket.
/// </summary>
public class DescriptorUseTests
{
    [Fact]
    public void a_close_with_no_call_in_flight_closes_the_descriptor_when_the_closer_leaves()
    {
        int use = 0;

        Assert.True(DescriptorUse.TryEnter(ref use));
        Assert.True(DescriptorUse.TryMarkClosed(ref use));

        Assert.True(DescriptorUse.Exit(ref use));
    }

    [Fact]
    public void a_close_during_a_call_leaves_the_descriptor_open_until_that_call_ends()
    {
        int use = 0;
        Assert.True(DescriptorUse.TryEnter(ref use)); // a send on another thread

        Assert.True(DescriptorUse.TryEnter(ref use)); // the closer
        Assert.True(DescriptorUse.TryMarkClosed(ref use));
        Assert.False(DescriptorUse.Exit(ref use)); // the closer does not close: the send is still in flight

        Assert.True(DescriptorUse.Exit(ref use)); // the send's end closes it
    }

    [Fact]
    public void no_call_enters_once_the_descriptor_is_marked_closed()
    {
        int use = 0;
        DescriptorUse.TryEnter(ref use);
        DescriptorUse.TryMarkClosed(ref use);

        Assert.False(DescriptorUse.TryEnter(ref use));
        Assert.True(DescriptorUse.IsClosed(use));
    }

    [Fact]
    public void only_the_first_close_is_told_to_unregister_and_fail_the_waiters()
    {
        int use = 0;
        DescriptorUse.TryEnter(ref use);
        DescriptorUse.TryEnter(ref use);

        Assert.True(DescriptorUse.TryMarkClosed(ref use));
        Assert.False(DescriptorUse.TryMarkClosed(ref use));
        Assert.False(DescriptorUse.Exit(ref use));
        Assert.True(DescriptorUse.Exit(ref use));
    }

    [Fact]
    public void with_calls_racing_a_close_on_other_threads_the_descriptor_is_closed_exactly_once_and_no_call_enters_after()
    {
        for (int round = 0; round < 200; round++)
        {
            int use = 0, closes = 0, enteredAfterClose = 0;
            using var start = new Barrier(5);
            // Threads of their own, not the pool's: each blocks on the barrier until all are ready.
            var callers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                for (int i = 0; i < 1000; i++)
                {
                    if (!DescriptorUse.TryEnter(ref use))
                    {
                        return;
                    }
                    if (DescriptorUse.IsClosed(Volatile.Read(ref use)) && Volatile.Read(ref closes) > 0)
                    {
                        Interlocked.Increment(ref enteredAfterClose);
                    }
                    if (DescriptorUse.Exit(ref use))
                    {
                        Interlocked.Increment(ref closes);
                    }
                }
            })).ToArray();
            foreach (var caller in callers)
            {
                caller.Start();
            }
            Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the callers did not start");
            Assert.True(DescriptorUse.TryEnter(ref use));
            DescriptorUse.TryMarkClosed(ref use);
            if (DescriptorUse.Exit(ref use))
            {
                Interlocked.Increment(ref closes);
            }
            foreach (var caller in callers)
            {
                Assert.True(caller.Join(TimeSpan.FromSeconds(30)), "a caller did not finish");
            }

            Assert.Equal(1, closes);
            Assert.Equal(0, enteredAfterClose);
        }
    }
}
