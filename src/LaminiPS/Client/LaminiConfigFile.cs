using System;
using System.IO;

namespace LaminiPS.Client;

/// <summary>
/// Reads the two values LaminiPS needs from Lamini's ~/.lamini/configure.yaml
/// (production.key and production.url), in block or flow style. A purpose-built reader rather
/// than a YAML library: see the README's design section.
/// </summary>
public sealed class LaminiConfigFile
{
    private LaminiConfigFile(string path, string? key, string? url)
    {
        Path = path;
        Key = key;
        Url = url;
    }

    public string Path { get; }

    public string? Key { get; }

    public string? Url { get; }

    public static string DefaultPath()
    {
        bool windows = System.IO.Path.DirectorySeparatorChar == '\\';
        string? home = Environment.GetEnvironmentVariable(windows ? "USERPROFILE" : "HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return System.IO.Path.Combine(home!, ".lamini", "configure.yaml");
    }

    /// <summary>The file's values, or null when there is no such file.</summary>
    public static LaminiConfigFile? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string? key = null;
        string? url = null;
        bool inProduction = false;
        foreach (string rawLine in File.ReadAllLines(path))
        {
            string line = StripComment(rawLine);
            if (line.Trim().Length == 0)
            {
                continue;
            }

            bool indented = char.IsWhiteSpace(line[0]);
            string trimmed = line.Trim();
            if (!indented)
            {
                inProduction = trimmed.StartsWith("production:", StringComparison.Ordinal);
                string rest = inProduction ? trimmed.Substring("production:".Length).Trim() : string.Empty;
                if (rest.StartsWith("{", StringComparison.Ordinal) && rest.EndsWith("}", StringComparison.Ordinal))
                {
                    foreach (string pair in rest.Substring(1, rest.Length - 2).Split(','))
                    {
                        Assign(pair, ref key, ref url);
                    }
                }

                continue;
            }

            if (inProduction)
            {
                Assign(trimmed, ref key, ref url);
            }
        }

        return new LaminiConfigFile(path, key, url);
    }

    private static void Assign(string pair, ref string? key, ref string? url)
    {
        int colon = pair.IndexOf(':');
        if (colon <= 0)
        {
            return;
        }

        string name = Unquote(pair.Substring(0, colon).Trim());
        string value = Unquote(pair.Substring(colon + 1).Trim());
        if (value.Length == 0)
        {
            return;
        }

        if (name == "key")
        {
            key = value;
        }
        else if (name == "url")
        {
            url = value;
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[value.Length - 1] == value[0]
            ? value.Substring(1, value.Length - 2)
            : value;

    /// <summary>Drops a "# comment" that is not inside quotes.</summary>
    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line.Substring(0, i);
            }
        }

        return line;
    }
}
