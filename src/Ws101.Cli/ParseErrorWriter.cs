using System.Text;
using System.Text.RegularExpressions;

namespace Ws101.Cli;

/// <summary>
/// The error stream System.CommandLine writes a command line's parse errors to, which says a value that is not a number in
/// words rather than by .NET type name: "--rounds: 'abc' is not a whole number." instead of "Cannot parse argument 'abc' for
/// option '--rounds' as expected type 'System.Nullable`1[System.Int32]'.". The parser writes each error as one line; every
/// other write passes through unchanged.
/// </summary>
internal sealed partial class ParseErrorWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => inner.Write(value);

    public override void Write(string? value) => inner.Write(value);

    public override void WriteLine(string? value) => inner.WriteLine(value is null ? null : Reword(value));

    public override void Flush() => inner.Flush();

    /// <summary>The error in words when it is a value the option's type does not parse; otherwise the error as it came.</summary>
    internal static string Reword(string error)
    {
        var match = NotParsed().Match(error);
        if (!match.Success)
        {
            return error;
        }
        // The type may be wrapped ("System.Nullable`1[System.Int32]" for an optional value).
        string type = match.Groups["type"].Value;
        string? kind = type.Contains("System.Int32", StringComparison.Ordinal) || type.Contains("System.Int64", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("System.Double", StringComparison.Ordinal) ? "a number"
            : null;
        return kind is null ? error : $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {kind}.";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.$")]
    private static partial Regex NotParsed();
}
