using System.Diagnostics;

namespace Ws101.Tests.Cli;

/// <summary>
/// Runs a <c>ws101</c> executable (the one WS101_CLI names: the Native AOT binary, see scripts/aot-cli-tests.sh) as a
/// separate process with captured output, within a time limit. Shared by both test projects (Ws101.Interop links it).
/// </summary>
internal static class CliProcess
{
    /// <summary>Starts <paramref name="executable"/>, writes <paramref name="stdin"/>, and waits for it to exit; killed at <paramref name="limit"/>.</summary>
    /// <exception cref="TimeoutException">It did not exit within <paramref name="limit"/> (it has been killed).</exception>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string executable, IEnumerable<string> arguments, string stdin, TimeSpan limit, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{executable} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool stopped reading (it refuses input past its bound, and exits): what it wrote says why.
        }
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{executable} {string.Join(' ', info.ArgumentList)} did not exit within {limit.TotalSeconds} s and was killed");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
