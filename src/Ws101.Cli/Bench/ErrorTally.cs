namespace Ws101.Cli.Bench;

/// <summary>What went wrong in a run, by kind and detail, each with a count and the first example seen.</summary>
internal sealed class ErrorTally
{
    private readonly Dictionary<(ErrorKind Kind, string Detail), (long Count, string Example)> _counts = [];

    /// <summary>Every error counted.</summary>
    public long Total { get; private set; }

    /// <summary>Counts one error; <paramref name="example"/> (a message) is kept for the first of its kind and detail.</summary>
    public void Add(ErrorKind kind, string detail, string? example = null)
    {
        Total++;
        _counts[(kind, detail)] = _counts.TryGetValue((kind, detail), out var seen)
            ? (seen.Count + 1, seen.Example)
            : (1, example ?? "");
    }

    /// <summary>Adds another tally's counts to this one.</summary>
    public void Add(ErrorTally other)
    {
        foreach (var ((kind, detail), (count, example)) in other._counts)
        {
            Total += count;
            _counts[(kind, detail)] = _counts.TryGetValue((kind, detail), out var seen) ? (seen.Count + count, seen.Example) : (count, example);
        }
    }

    /// <summary>The counts, most frequent first.</summary>
    public List<ErrorCount> ToList() =>
        [.. _counts.OrderByDescending(e => e.Value.Count).ThenBy(e => e.Key.Kind).ThenBy(e => e.Key.Detail, StringComparer.Ordinal)
            .Select(e => new ErrorCount(Name(e.Key.Kind), e.Key.Detail, e.Value.Count, e.Value.Example))];

    /// <summary>The name of a kind as the report and the JSON show it.</summary>
    public static string Name(ErrorKind kind) => kind switch
    {
        ErrorKind.Connect => "connect",
        ErrorKind.Handshake => "handshake",
        ErrorKind.Closed => "closed",
        ErrorKind.Protocol => "protocol",
        _ => "timeout",
    };
}
