using System.Text;

namespace LaminiPS.Client;

/// <summary>The names the API takes for functions and json_schema: <c>^[a-zA-Z0-9_-]{1,64}$</c>.</summary>
internal static class WireName
{
    public const int MaxLength = 64;

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }

        return true;
    }

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
