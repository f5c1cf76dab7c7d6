using System.Linq;

namespace LaminiPS.Client;

/// <summary>
/// Builds messages out of sentences, some of them someone else's: .NET, the operating system and
/// servers end their messages with a full stop, without one, or (a .NET IOException) with two,
/// depending on the platform. Every message that joins sentences or quotes another message goes
/// through here, so none shows "..", ". ." or ".)." and each ends with one mark.
/// </summary>
internal static class Sentences
{
    private const string Terminators = ".!?…";

    /// <summary><paramref name="text"/> as a whole sentence: trailing white space and full stops dropped, then one full stop unless it ends with another mark.</summary>
    public static string End(string text)
    {
        string body = Clause(text);
        return body.Length == 0 || Terminators.IndexOf(body[body.Length - 1]) >= 0 ? body : body + ".";
    }

    /// <summary><paramref name="text"/> quoted inside a sentence of ours (in parentheses, before a semicolon): without its closing full stops.</summary>
    public static string Clause(string text) => text.TrimEnd().TrimEnd('.').TrimEnd();

    /// <summary>Each part that has text, ended as a sentence, separated by spaces.</summary>
    public static string Join(params string?[] parts) =>
        string.Join(" ", parts.Where(part => !string.IsNullOrWhiteSpace(part)).Select(part => End(part!)));
}
