namespace Ws101.Fuzz;

/// <summary>
/// One fuzz target: a function over the fuzzer's bytes that returns normally for every input, however malformed.
/// An exception escaping it is a finding (afl-fuzz records it as a crash): the library's own bad-input results
/// and documented exceptions are handled inside the target, so what escapes is a bug, including a broken
/// <see cref="Invariant"/>.
/// </summary>
/// <param name="Name">The name given to <c>fuzz/run.sh</c> and used for the corpus folder <c>fuzz/corpus/NAME</c>.</param>
/// <param name="Run">The target function.</param>
/// <param name="Description">What it drives, for <c>--list</c>.</param>
internal sealed record FuzzTarget(string Name, FuzzTarget.Body Run, string Description)
{
    /// <summary>The target function's shape: the whole input, option bytes first.</summary>
    public delegate void Body(ReadOnlySpan<byte> input);
}
