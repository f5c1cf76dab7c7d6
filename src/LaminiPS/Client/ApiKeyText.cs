using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace LaminiPS.Client;

/// <summary>
/// The API key as text: cleaning off what files and pastes add to it, and keeping it out of
/// everything LaminiPS shows.
/// </summary>
internal static class ApiKeyText
{
    public const string Redacted = "[API key removed]";

    /// <summary>
    /// Below this length a key is masked only where it stands as a whole token: a one-letter key
    /// (a local server started with --api-key e) would otherwise garble every word of a message.
    /// </summary>
    private const int ShortKeyLength = 8;

    /// <summary>
    /// The key without surrounding whitespace (a trailing newline from a file, a pasted space), or
    /// null when nothing is left. <paramref name="unsendable"/> tells whether what is left holds a
    /// character an HTTP header cannot carry (a control or non-ASCII character). The key is read
    /// character by character from unmanaged memory, never copied into a managed string.
    /// </summary>
    public static SecureString? Clean(SecureString raw, out bool unsendable)
    {
        unsendable = false;
        IntPtr pointer = IntPtr.Zero;
        try
        {
            pointer = Marshal.SecureStringToGlobalAllocUnicode(raw);
            int start = 0;
            int end = raw.Length;
            while (start < end && char.IsWhiteSpace(CharAt(pointer, start)))
            {
                start++;
            }

            while (end > start && char.IsWhiteSpace(CharAt(pointer, end - 1)))
            {
                end--;
            }

            if (start == end)
            {
                return null;
            }

            var cleaned = new SecureString();
            for (int i = start; i < end; i++)
            {
                char c = CharAt(pointer, i);
                unsendable |= c < ' ' || c > '~';
                cleaned.AppendChar(c);
            }

            cleaned.MakeReadOnly();
            return cleaned;
        }
        finally
        {
            if (pointer != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    /// <summary>A read-only copy of <paramref name="plain"/>; null when it is null or empty.</summary>
    public static SecureString? ToSecureString(string? plain)
    {
        if (string.IsNullOrEmpty(plain))
        {
            return null;
        }

        var secure = new SecureString();
        foreach (char c in plain!)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    /// <summary>The text with the key replaced by <see cref="Redacted"/>; the same text when it holds no key.</summary>
    public static string? Mask(string? text, string key)
    {
        if (text is null || key.Length == 0)
        {
            return text;
        }

        if (key.Length >= ShortKeyLength)
        {
            return text.IndexOf(key, StringComparison.Ordinal) < 0 ? text : text.Replace(key, Redacted);
        }

        StringBuilder? masked = null;
        int copiedUpTo = 0;
        int searchFrom = 0;
        int found;
        while ((found = text.IndexOf(key, searchFrom, StringComparison.Ordinal)) >= 0)
        {
            int after = found + key.Length;
            if ((found > 0 && IsTokenCharacter(text[found - 1])) || (after < text.Length && IsTokenCharacter(text[after])))
            {
                searchFrom = found + 1;
                continue;
            }

            masked ??= new StringBuilder(text.Length);
            masked.Append(text, copiedUpTo, found - copiedUpTo).Append(Redacted);
            copiedUpTo = searchFrom = after;
        }

        return masked is null ? text : masked.Append(text, copiedUpTo, text.Length - copiedUpTo).ToString();
    }

    private static bool IsTokenCharacter(char c) => char.IsLetterOrDigit(c) || c is '-' or '_';

    private static char CharAt(IntPtr pointer, int index) => (char)Marshal.ReadInt16(pointer, index * sizeof(char));
}
