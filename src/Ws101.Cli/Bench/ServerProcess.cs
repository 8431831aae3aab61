using System.Globalization;

namespace Ws101.Cli.Bench;

/// <summary>
/// The server under load, read from /proc when its pid is given: resident memory (VmRSS in /proc/PID/status) and CPU time
/// (utime + stime in /proc/PID/stat). Server CPU per message is the figure least disturbed by other load on the machine.
/// </summary>
internal sealed class ServerProcess(int pid)
{
    /// <summary>Clock ticks per second of /proc/PID/stat's times: USER_HZ, 100 on every Linux build that matters.</summary>
    private const double UserHz = 100;

    public int Pid { get; } = pid;

    /// <summary>Whether the process exists now.</summary>
    public bool Exists => File.Exists($"/proc/{Pid}/status");

    /// <summary>Resident memory in bytes, or null when the process is gone.</summary>
    public long? ResidentBytes()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>User plus system CPU time in seconds, or null when the process is gone.</summary>
    public double? CpuSeconds() => CpuTimes() is { } t ? t.User + t.System : null;

    /// <summary>User and system CPU time in seconds (utime and stime), or null when the process is gone.</summary>
    public (double User, double System)? CpuTimes()
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{Pid}/stat");
            // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) / UserHz, long.Parse(fields[12], CultureInfo.InvariantCulture) / UserHz);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
