using System.Text.Encodings.Web;

namespace LaminiPS.Client;

/// <summary>
/// Escapes only what JSON requires (quote, backslash, control characters below U+0020), so request
/// bodies carry non-ASCII text as UTF-8 as it is: CJK text costs 3 bytes a character, not the 6 of
/// a \uXXXX escape, and emoji 4, not 12. The built-in encoders also escape characters outside their
/// allowed ranges. A lone surrogate, which UTF-8 cannot hold, becomes U+FFFD as with those encoders.
/// </summary>
internal sealed class MinimalJsonEncoder : JavaScriptEncoder
{
    public static readonly MinimalJsonEncoder Instance = new();

    private MinimalJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < textLength && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x20 || unicodeScalar == '"' || unicodeScalar == '\\' || unicodeScalar is >= 0xD800 and <= 0xDFFF;

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        string text = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            < 0x20 => "\\u" + unicodeScalar.ToString("X4", System.Globalization.CultureInfo.InvariantCulture),
            // Not an escape: the replacement character that stands in for a lone surrogate.
            _ => char.ConvertFromUtf32(unicodeScalar),
        };
        if (text.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        for (int i = 0; i < text.Length; i++)
        {
            buffer[i] = text[i];
        }

        numberOfCharactersWritten = text.Length;
        return true;
    }
}
