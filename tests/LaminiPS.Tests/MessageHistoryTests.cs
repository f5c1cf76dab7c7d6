using System.Text.Json;
using LaminiPS.Client;
using LaminiPS.Engine;
using LaminiPS.Models;
using Xunit;

namespace LaminiPS.Tests;

/// <summary>
/// A batch of prompts that continue one conversation: each request and each reply holds the
/// conversation, and none of them may copy it (a long conversation times a large batch would fill
/// memory). Built the way Invoke-LaminiChat builds them: the conversation's start, one request per
/// prompt, the reply parsed from the service's JSON.
/// </summary>
public sealed class MessageHistoryTests
{
    private const string ReplyJson = """{"id":"x","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Sure."}}]}""";

    [Fact]
    public void Replies_to_a_batch_share_the_conversation_they_continue_instead_of_copying_it()
    {
        LaminiChatResponse earlier = ReplyTo(Conversation(20_000), "Where were we?");
        const int prompts = 500;

        var replies = new List<LaminiChatResponse>(prompts);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        IReadOnlyList<LaminiChatMessage> start = ChatMessageRules.Start(earlier.Messages, systemPrompt: null);
        for (int i = 0; i < prompts; i++)
        {
            replies.Add(ReplyTo(start, $"Question {i}"));
        }

        long held = GC.GetTotalMemory(forceFullCollection: true) - before;

        // One copy of the conversation's references alone would take 160 KB per reply (80 MB in all).
        Assert.True(held < prompts * 4096, $"{prompts} replies hold {held:N0} bytes: the conversation was copied.");
        LaminiChatResponse last = replies[^1];
        Assert.Equal(20_000 + 4, last.Messages.Count);
        Assert.Same(earlier.Messages[123], last.Messages[123]);
        Assert.Equal(new[] { "Question 499", "Sure." }, last.Messages.Skip(20_002).Select(m => m.Content));
    }

    [Fact]
    public void A_conversation_continued_reply_after_reply_reads_every_message_in_order()
    {
        IReadOnlyList<LaminiChatMessage> conversation = Conversation(2);
        for (int turn = 0; turn < 100; turn++)
        {
            conversation = ReplyTo(conversation, $"Turn {turn}").Messages;
        }

        Assert.Equal(2 + 200, conversation.Count);
        Assert.Equal("Turn 99", conversation[^2].Content);
        Assert.Equal(
            Enumerable.Range(0, 100).Select(turn => $"Turn {turn}"),
            conversation.Where(m => m.Role == "user").Skip(1).Select(m => m.Content));
    }

    private static IReadOnlyList<LaminiChatMessage> Conversation(int count) =>
        Enumerable.Range(0, count).Select(i => new LaminiChatMessage(i % 2 == 0 ? "user" : "assistant", $"Message {i}")).ToArray();

    /// <summary>The request for <paramref name="prompt"/> after <paramref name="history"/>, and the reply read from the service's JSON.</summary>
    private static LaminiChatResponse ReplyTo(IReadOnlyList<LaminiChatMessage> history, string prompt)
    {
        ChatRequest request = ChatJob.ForTurns("model", history, [prompt], new ChatSettings()).Single().Request;
        using JsonDocument reply = JsonDocument.Parse(ReplyJson);
        return ResponseParser.ParseCompletion(reply.RootElement, request.Messages);
    }
}
