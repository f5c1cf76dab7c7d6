using System;
using System.IO;
using System.Security;
using System.Text;

namespace LaminiPS.Client;

/// <summary>
/// Reads the two values LaminiPS needs from Lamini's ~/.lamini/configure.yaml
/// (production.key and production.url), in block or flow style. A purpose-built reader rather
/// than a YAML library: see the README's design section. It is strict about those two entries:
/// one that it cannot read exactly (an unbalanced quote, a block scalar, a tab-indented line, a
/// value spread over lines) is kept as a <see cref="ConfigSetting{TValue}.Problem"/>, never guessed at.
/// Everything else in the file is skipped.
/// </summary>
internal sealed class LaminiConfigFile
{
    private LaminiConfigFile(string path, ConfigSetting<string>? key, ConfigSetting<string>? url)
    {
        Path = path;
        Key = key is null ? null : new ConfigSetting<SecureString>(key.Name, key.Line, ApiKeyText.ToSecureString(key.Value), key.Problem);
        Url = url;
    }

    public string Path { get; }

    /// <summary>production.key, or null when the file has none; the key is never held as a string.</summary>
    public ConfigSetting<SecureString>? Key { get; }

    /// <summary>production.url, or null when the file has none.</summary>
    public ConfigSetting<string>? Url { get; }

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

    /// <summary>The file's values, or null when there is no such file. Problems in it do not throw.</summary>
    public static LaminiConfigFile? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var reader = new ProductionReader();
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            reader.Read(lines[i], i + 1);
        }

        return new LaminiConfigFile(path, reader.Key, reader.Url);
    }

    /// <summary>Follows the production mapping line by line, assigning its key and url entries.</summary>
    private sealed class ProductionReader
    {
        private bool _inProduction;
        private int? _entryIndent;
        private string? _currentEntry;

        public ConfigSetting<string>? Key { get; private set; }

        public ConfigSetting<string>? Url { get; private set; }

        public void Read(string line, int number)
        {
            int indent = 0;
            while (indent < line.Length && line[indent] is ' ' or '\t')
            {
                indent++;
            }

            if (indent == line.Length || line[indent] == '#')
            {
                return;
            }

            var cursor = new Cursor(line, indent);
            if (indent == 0)
            {
                ReadTopLevel(cursor, number);
            }
            else if (_inProduction)
            {
                ReadProductionEntry(cursor, indent, line.IndexOf('\t', 0, indent) >= 0, number);
            }
        }

        private void ReadTopLevel(Cursor cursor, int number)
        {
            _entryIndent = null;
            _currentEntry = null;
            _inProduction = cursor.TryReadName(flow: false, out string? name) && name == "production";
            if (!_inProduction || cursor.AtEndOrComment())
            {
                return;
            }

            // production: {key: ..., url: ...} on one line. Anything after it belongs to no entry of ours.
            if (cursor.Peek == '{')
            {
                ReadFlowMapping(cursor, number);
            }

            _inProduction = false;
        }

        private void ReadProductionEntry(Cursor cursor, int indent, bool tabIndented, int number)
        {
            _entryIndent ??= indent;
            if (indent > _entryIndent)
            {
                // A deeper line continues the entry above it (a multi-line value, or a nested one).
                if (_currentEntry is string entry && IsOurs(entry))
                {
                    Spoil(entry, $"continues on line {number}; LaminiPS reads a value written on one line only");
                }

                return;
            }

            if (!cursor.TryReadName(flow: false, out string? name))
            {
                _currentEntry = null;
                ReportUnnamedEntry(cursor.Rest.TrimEnd(), number);
                return;
            }

            _currentEntry = name;
            if (IsOurs(name!))
            {
                ReadOurEntry(cursor, name!, indent != _entryIndent, tabIndented, number);
            }
        }

        /// <summary>A line that is no "name: value" entry, but starts with one of ours: "key:value", say.</summary>
        private void ReportUnnamedEntry(string text, int number)
        {
            foreach (string ours in new[] { "key", "url" })
            {
                if (text.StartsWith(ours, StringComparison.Ordinal) && text.Length > ours.Length && text[ours.Length] is ':' or ' ' or '\t')
                {
                    Assign(ours, number, null, "is not written as '" + ours + ": <value>' (a space must follow the colon)");
                }
            }
        }

        /// <summary>A key or url entry: its value, or why it cannot be read (a tab, an indent unlike its neighbours').</summary>
        private void ReadOurEntry(Cursor cursor, string name, bool misaligned, bool tabIndented, int number)
        {
            if (tabIndented)
            {
                Assign(name, number, null, "is indented with a tab; YAML allows only spaces there");
            }
            else if (misaligned)
            {
                Assign(name, number, null, "is indented differently from the entries above it");
            }
            else
            {
                bool read = cursor.TryReadScalar(flow: false, out string? value, out string? problem);
                if (read && !cursor.AtEndOrComment())
                {
                    problem = "has text after its closing quote";
                }

                Assign(name, number, problem is null ? value : null, problem);
            }
        }

        private void ReadFlowMapping(Cursor cursor, int number)
        {
            cursor.Advance();
            while (true)
            {
                cursor.SkipSpaces();
                if (cursor.Peek == '}')
                {
                    break;
                }

                if (!TryReadFlowPair(cursor, number))
                {
                    FlowProblem(number);
                    return;
                }

                cursor.SkipSpaces();
                if (cursor.Peek == ',')
                {
                    cursor.Advance();
                }
                else if (cursor.Peek != '}')
                {
                    FlowProblem(number);
                    return;
                }
            }

            cursor.Advance();
            if (!cursor.AtEndOrComment())
            {
                FlowProblem(number);
            }
        }

        /// <summary>One "name: value" pair of a {...} mapping, ours assigned; false when it cannot be read.</summary>
        private bool TryReadFlowPair(Cursor cursor, int number)
        {
            if (!cursor.TryReadName(flow: true, out string? name))
            {
                return false;
            }

            if (!cursor.TryReadScalar(flow: true, out string? value, out string? problem) && !IsOurs(name!))
            {
                // Another entry's value we cannot read leaves us unable to find where ours start.
                return false;
            }

            if (IsOurs(name!))
            {
                Assign(name!, number, problem is null ? value : null, problem);
            }

            return true;
        }

        private void FlowProblem(int number)
        {
            // A more precise problem already found on this line is kept.
            const string problem = "is in a {...} mapping that LaminiPS cannot read (it must open and close on one line, with 'name: value' pairs separated by commas)";
            Key = Key is { Problem: not null } key && key.Line == number ? key : new ConfigSetting<string>("production.key", number, null, problem);
            Url = Url is { Problem: not null } url && url.Line == number ? url : new ConfigSetting<string>("production.url", number, null, problem);
        }

        private static bool IsOurs(string name) => name is "key" or "url";

        private void Assign(string name, int number, string? value, string? problem)
        {
            ConfigSetting<string>? earlier = name == "key" ? Key : Url;
            if (earlier is not null && earlier.Line != number)
            {
                problem = $"appears twice (lines {earlier.Line} and {number}), so which one applies is unclear";
                value = null;
            }

            var setting = new ConfigSetting<string>("production." + name, number, value, problem);
            if (name == "key")
            {
                Key = setting;
            }
            else
            {
                Url = setting;
            }
        }

        private void Spoil(string name, string problem)
        {
            ConfigSetting<string> earlier = (name == "key" ? Key : Url)!;
            Assign(name, earlier.Line, null, earlier.Problem ?? problem);
        }
    }

    /// <summary>
    /// Reads YAML names and one-line scalars (plain, 'single' or "double" quoted) from a line, and
    /// says exactly what it cannot read instead of guessing.
    /// </summary>
    private sealed class Cursor
    {
        private readonly string _text;
        private int _position;

        public Cursor(string text, int position)
        {
            _text = text;
            _position = position;
        }

        public char Peek => _position < _text.Length ? _text[_position] : '\0';

        public string Rest => _text.Substring(_position);

        public void Advance() => _position++;

        public void SkipSpaces()
        {
            while (Peek is ' ' or '\t')
            {
                _position++;
            }
        }

        /// <summary>Whether only spaces and a comment are left (the cursor skips the spaces).</summary>
        public bool AtEndOrComment()
        {
            SkipSpaces();
            return _position == _text.Length || Peek == '#';
        }

        /// <summary>Reads "name:" followed by a space or the end of the line; false when the text is no such entry.</summary>
        public bool TryReadName(bool flow, out string? name)
        {
            name = null;
            int start = _position;
            if (Peek is '"' or '\'')
            {
                if (!TryReadScalar(flow: true, out name, out _) || Peek != ':')
                {
                    _position = start;
                    return false;
                }
            }
            else if (!TryReadPlainName(flow, out name))
            {
                return false;
            }

            if (name!.Length == 0 || !IsSeparator(_position + 1))
            {
                _position = start;
                return false;
            }

            _position++;
            SkipSpaces();
            return true;
        }

        /// <summary>An unquoted name: the text up to a ':' that a separator follows, the cursor left on that ':'.</summary>
        private bool TryReadPlainName(bool flow, out string? name)
        {
            name = null;
            int colon = _position;
            while (colon < _text.Length && !(_text[colon] == ':' && IsSeparator(colon + 1)))
            {
                if (flow && _text[colon] is ',' or '{' or '}' or '[' or ']')
                {
                    return false;
                }

                colon++;
            }

            if (colon == _text.Length)
            {
                return false;
            }

            name = _text.Substring(_position, colon - _position).Trim();
            _position = colon;
            return true;
        }

        /// <summary>
        /// Reads one scalar: true with the value (null for an empty or null one), or false with the
        /// reason it cannot be read. Problems never quote the value: it may be a key.
        /// </summary>
        public bool TryReadScalar(bool flow, out string? value, out string? problem)
        {
            value = null;
            problem = null;
            SkipSpaces();
            char first = Peek;
            if (_position == _text.Length || first == '#' || (flow && first is ',' or '}'))
            {
                return true;
            }

            problem = first switch
            {
                '"' => ReadDoubleQuoted(out value),
                '\'' => ReadSingleQuoted(out value),
                '|' or '>' => "is a block scalar ('|' or '>'); write the value on the same line as its name",
                '&' or '*' or '!' => "uses a YAML anchor, alias or tag ('&', '*' or '!'), which LaminiPS does not read",
                '{' or '[' => "is a mapping or a list, not a single value",
                '@' or '`' => "starts with a character YAML reserves ('@' or '`'); quote the value",
                _ => ReadPlain(flow, out value),
            };
            return problem is null;
        }

        private string? ReadPlain(bool flow, out string? value)
        {
            int start = _position;
            while (_position < _text.Length
                && !(flow && _text[_position] is ',' or '}' or '{' or '[' or ']')
                && !(_text[_position] == '#' && _text[_position - 1] is ' ' or '\t'))
            {
                _position++;
            }

            string plain = _text.Substring(start, _position - start).TrimEnd(' ', '\t');
            value = plain is "~" or "null" or "Null" or "NULL" ? null : plain;
            int colon = plain.IndexOf(':');
            while (colon >= 0 && colon + 1 < plain.Length && plain[colon + 1] is not (' ' or '\t'))
            {
                colon = plain.IndexOf(':', colon + 1);
            }

            return colon >= 0 ? "holds a colon followed by a space (or at its end), which YAML reads as a nested entry; quote the value"
                : plain.EndsWith("\"", StringComparison.Ordinal) || plain.EndsWith("'", StringComparison.Ordinal) ? "ends with a quote that has no opening one"
                : null;
        }

        private string? ReadDoubleQuoted(out string? value)
        {
            value = null;
            var builder = new StringBuilder();
            for (int i = _position + 1; i < _text.Length; i++)
            {
                char c = _text[i];
                if (c == '"')
                {
                    _position = i + 1;
                    value = builder.ToString();
                    return null;
                }

                if (c == '\\')
                {
                    char escaped = i + 1 < _text.Length ? _text[++i] : '\0';
                    if (escaped is not ('\\' or '"' or '/'))
                    {
                        return "uses a backslash escape other than \\\\, \\\" or \\/, which LaminiPS does not read";
                    }

                    c = escaped;
                }

                builder.Append(c);
            }

            return "has an opening \" with no closing one on the same line";
        }

        private string? ReadSingleQuoted(out string? value)
        {
            value = null;
            var builder = new StringBuilder();
            for (int i = _position + 1; i < _text.Length; i++)
            {
                if (_text[i] != '\'')
                {
                    builder.Append(_text[i]);
                }
                else if (i + 1 < _text.Length && _text[i + 1] == '\'')
                {
                    builder.Append('\'');
                    i++;
                }
                else
                {
                    _position = i + 1;
                    value = builder.ToString();
                    return null;
                }
            }

            return "has an opening ' with no closing one on the same line";
        }

        private bool IsSeparator(int index) => index >= _text.Length || _text[index] is ' ' or '\t';
    }
}

/// <summary>One value of configure.yaml and where it stands, or why it could not be read.</summary>
/// <param name="Name">The entry's YAML path, e.g. production.key.</param>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Value">The value; null when the entry is empty (as if absent) or has a problem.</param>
/// <param name="Problem">Why the entry could not be read (never quoting it), or null.</param>
internal sealed record ConfigSetting<TValue>(string Name, int Line, TValue? Value, string? Problem)
    where TValue : class;
