namespace Ws101.Fuzz;

/// <summary>A property every input must keep, checked cheaply inside a target; a broken one is reported as a crash.</summary>
internal static class Invariant
{
    /// <summary>Throws <see cref="InvariantException"/> with <paramref name="what"/> when <paramref name="condition"/> is false.</summary>
    public static void Holds(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantException(what);
        }
    }
}

/// <summary>A fuzz target found an input for which a documented property does not hold.</summary>
internal sealed class InvariantException(string message) : Exception(message);
