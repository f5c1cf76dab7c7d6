using System;
using System.Collections;
using System.Collections.Generic;
using LaminiPS.Models;

namespace LaminiPS.Client;

/// <summary>
/// A conversation as a read-only list: a history it shares with others, then messages of its own.
/// Appending never copies the shared part, so a batch of prompts that continue one long
/// conversation holds that conversation once, not once per reply.
/// </summary>
internal sealed class MessageHistory : IList<LaminiChatMessage>, IReadOnlyList<LaminiChatMessage>
{
    /// <summary>Each append adds a level to walk on every read; past this many the shared part is copied flat once.</summary>
    private const int MaximumDepth = 32;

    private readonly IReadOnlyList<LaminiChatMessage> _shared;
    private readonly LaminiChatMessage[] _own;
    private readonly int _depth;

    private MessageHistory(IReadOnlyList<LaminiChatMessage> shared, LaminiChatMessage[] own)
    {
        int sharedDepth = DepthOf(shared);
        if (sharedDepth >= MaximumDepth)
        {
            shared = new List<LaminiChatMessage>(shared);
            sharedDepth = 0;
        }

        _shared = shared;
        _own = own;
        _depth = sharedDepth + 1;
        Count = shared.Count + own.Length;
    }

    public int Count { get; }

    public bool IsReadOnly => true;

    public LaminiChatMessage this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            int sharedCount = _shared.Count;
            return index < sharedCount ? _shared[index] : _own[index - sharedCount];
        }

        set => throw ReadOnly();
    }

    /// <summary>The messages of <paramref name="shared"/> followed by <paramref name="own"/>, sharing rather than copying the first part.</summary>
    public static MessageHistory Append(IReadOnlyList<LaminiChatMessage> shared, params LaminiChatMessage[] own) => new(shared, own);

    public IEnumerator<LaminiChatMessage> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public int IndexOf(LaminiChatMessage item)
    {
        for (int i = 0; i < Count; i++)
        {
            if (ReferenceEquals(this[i], item))
            {
                return i;
            }
        }

        return -1;
    }

    public bool Contains(LaminiChatMessage item) => IndexOf(item) >= 0;

    public void CopyTo(LaminiChatMessage[] array, int arrayIndex)
    {
        for (int i = 0; i < Count; i++)
        {
            array[arrayIndex + i] = this[i];
        }
    }

    void ICollection<LaminiChatMessage>.Add(LaminiChatMessage item) => throw ReadOnly();

    void ICollection<LaminiChatMessage>.Clear() => throw ReadOnly();

    bool ICollection<LaminiChatMessage>.Remove(LaminiChatMessage item) => throw ReadOnly();

    void IList<LaminiChatMessage>.Insert(int index, LaminiChatMessage item) => throw ReadOnly();

    void IList<LaminiChatMessage>.RemoveAt(int index) => throw ReadOnly();

    /// <summary>How many shared parts a read walks through: replies wrap their request's history in a <see cref="LaminiMessageList"/>.</summary>
    private static int DepthOf(IReadOnlyList<LaminiChatMessage> list) => list switch
    {
        MessageHistory history => history._depth,
        LaminiMessageList { Inner: MessageHistory history } => history._depth,
        _ => 0,
    };

    private static NotSupportedException ReadOnly() => new("A message history is read-only.");
}
