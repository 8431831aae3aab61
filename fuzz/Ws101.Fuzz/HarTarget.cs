using System.Text;
using System.Text.Json;
using Ws101.Handshake;

namespace Ws101.Fuzz;

/// <summary>
/// The HAR reader and diagnosis behind <c>ws101 diagnose FILE.har</c> and the playground: <see cref="HarReader"/> fed the
/// bytes whole and in chunks, <see cref="HarDiagnosis"/> over its entries, and the report's JSON. Input: a chunk plan
/// (<see cref="FuzzInput.ChunkPlan"/>), then the file's bytes.
/// </summary>
/// <remarks>
/// The only documented exception is <see cref="HarFormatException"/>, for input that is not a HAR or breaks a limit.
/// Checked: whole and chunked give the same report (or both refuse it; only the limit on a token's length may be met
/// by one cutting and not the other, as it is checked between chunks); the reader's buffer stays bounded; the counts
/// agree; no secret header's value appears in a report.
/// </remarks>
internal static class HarTarget
{
    private const long MaxBytes = 1 << 20;

    private static readonly string[] SecretHeaders = ["Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization"];

    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        int[] plan = fuzz.ChunkPlan();
        var data = fuzz.Rest;

        var whole = Read(data, []);
        var chunked = Read(data, plan);
        if (whole.Error is not null || chunked.Error is not null)
        {
            Invariant.Holds(whole.Error is not null && chunked.Error is not null
                || (whole.Error ?? chunked.Error)!.Message.Contains("longer than", StringComparison.Ordinal),
                $"the whole input and its chunks disagree: {whole.Error?.Message ?? "read"} / {chunked.Error?.Message ?? "read"}");
            return;
        }
        Invariant.Holds(whole.Json == chunked.Json, "the whole input and its chunks give different reports");
        var report = whole.Report!;
        Invariant.Holds(report.Failed <= report.WebSockets && report.WebSockets <= report.TotalEntries && report.Upgrades.Count <= report.WebSockets,
            "the counts of entries, upgrades and failures do not add up");
        Invariant.Holds(whole.PeakBufferedBytes <= HarReader.MaxTokenBytes + 64 * 1024, $"the reader held {whole.PeakBufferedBytes} bytes");
        foreach (var upgrade in report.Upgrades)
        {
            foreach (string? text in new[] { upgrade.RequestText, upgrade.ResponseText })
            {
                foreach (string line in text?.Split("\r\n") ?? [])
                {
                    Invariant.Holds(!SecretHeaders.Any(h => line.StartsWith(h + ": ", StringComparison.OrdinalIgnoreCase)) || line.Contains("(masked: ", StringComparison.Ordinal),
                        $"a secret header printed unmasked: {line}");
                }
            }
        }
    }

    private sealed record Outcome(HarReport? Report, string? Json, HarFormatException? Error, int PeakBufferedBytes);

    private static Outcome Read(ReadOnlySpan<byte> data, int[] plan)
    {
        var diagnosis = new HarDiagnosis();
        var reader = new HarReader(diagnosis.Add, MaxBytes);
        try
        {
            int next = 0;
            while (plan.Length > 0 && !data.IsEmpty)
            {
                int n = Math.Min(plan[next++ % plan.Length], data.Length);
                reader.Feed(data[..n], isFinal: false);
                data = data[n..];
            }
            reader.Feed(data, isFinal: true);
        }
        catch (HarFormatException ex)
        {
            return new Outcome(null, null, ex, reader.PeakBufferedBytes);
        }
        var report = diagnosis.Finish(reader);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            report.WriteJson(writer);
        }
        return new Outcome(report, Encoding.UTF8.GetString(stream.ToArray()), null, reader.PeakBufferedBytes);
    }
}
