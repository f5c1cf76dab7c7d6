using System.Globalization;
using System.Linq;
using System.Text;

namespace LaminiPS.Client;

/// <summary>The names the API takes for functions and json_schema: <c>^[a-zA-Z0-9_-]{1,64}$</c>.</summary>
internal static class WireName
{
    public const int MaxLength = 64;

    /// <summary>What the API's name rule says of a name refused, for a message.</summary>
    public const string Rule = "A name is 1 to 64 letters (a-z, A-Z), digits, underscores or hyphens (the API requires ^[a-zA-Z0-9_-]{1,64}$).";

    /// <summary>Why the API would refuse the name ("it contains a space"); null when it takes it.</summary>
    public static string? Problem(string name) =>
        name.Length == 0 ? "it is empty"
        : name.Length > MaxLength ? string.Format(CultureInfo.InvariantCulture, "it is {0} characters long", name.Length)
        : name.Where(static c => !IsAllowed(c)).Select(static c => char.IsWhiteSpace(c) ? "it contains a space" : "it contains '" + c + "'").FirstOrDefault();

    /// <summary>The name with each character the API refuses replaced by '_', cut to 64 characters.</summary>
    public static string MakeSafe(string name)
    {
        var safe = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            safe.Append(IsAllowed(c) ? c : '_');
            if (safe.Length == MaxLength)
            {
                break;
            }
        }

        return safe.Length == 0 ? "_" : safe.ToString();
    }

    public static bool IsAllowed(char c) =>
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
