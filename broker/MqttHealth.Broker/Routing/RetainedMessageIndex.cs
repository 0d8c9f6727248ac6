using System.Runtime.InteropServices;
using MqttHealth.Broker.Messages;

namespace MqttHealth.Broker.Routing;

/// <summary>
/// Retained messages by topic (5.0 §3.3.1.3), in a topic tree so that a wildcard SUBSCRIBE visits only the
/// matching branches, plus a dictionary from topic to tree node so that a filter without wildcards, a
/// replacement and a removal are one lookup each. Removing a message prunes the tree nodes left empty.
/// Not thread-safe: the engine calls it under its lock.
/// </summary>
public sealed class RetainedMessageIndex
{
    private readonly Dictionary<string, Node> _byTopic = new(StringComparer.Ordinal);
    private readonly Node _root = new(null, string.Empty);
    private int _nodes;

    public int Count => _byTopic.Count;

    /// <summary>
    /// Number of topic tree nodes held (the root excluded). Removing prunes empty ones, so this returns to 0
    /// when the last retained message is cleared; exposed so that tests and diagnostics can see it.
    /// </summary>
    public int NodeCount => _nodes;

    /// <summary>Sets (or replaces) the retained message of <see cref="BrokerMessage.Topic"/>. Returns the one it replaced, if any.</summary>
    /// <exception cref="ArgumentException">The topic is empty or contains a wildcard (not a Topic Name).</exception>
    public BrokerMessage? Set(BrokerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string topic = message.Topic;
        if (topic.Length == 0 || topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            throw new ArgumentException($"'{topic}' is not a Topic Name [MQTT-4.7.3-1], [MQTT-3.3.2-2].", nameof(message));
        }

        ref Node? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_byTopic, topic, out bool exists);
        if (exists)
        {
            BrokerMessage? replaced = slot!.Message;
            slot.Message = message;
            return replaced;
        }

        Node node = _root;
        ReadOnlySpan<char> rest = topic;
        while (true)
        {
            int slash = rest.IndexOf('/');
            node = GetOrCreateChild(node, slash < 0 ? rest : rest[..slash]);
            if (slash < 0)
            {
                break;
            }

            rest = rest[(slash + 1)..];
        }

        node.Message = message;
        slot = node;
        return null;
    }

    /// <summary>Clears the retained message of a topic. Returns the removed message, if any.</summary>
    public BrokerMessage? Remove(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!_byTopic.Remove(topic, out Node? node))
        {
            return null;
        }

        BrokerMessage? removed = node.Message;
        node.Message = null;
        while (node != _root && node.Message is null && node.Children is null)
        {
            Node parent = node.Parent!;
            parent.Children!.Remove(node.Level);
            if (parent.Children.Count == 0)
            {
                parent.SetChildren(null);
            }

            _nodes--;
            node = parent;
        }

        return removed;
    }

    /// <summary>Appends every retained message whose topic matches <paramref name="filter"/> (the $-rule applies).</summary>
    /// <remarks>
    /// <paramref name="filter"/> is a valid Topic Filter without the <c>$share/{group}/</c> prefix. A filter
    /// without wildcards is one dictionary lookup. A wildcard filter walks only the branches it can match:
    /// a literal level follows one child, '+' every child, '#' the whole subtree including the node itself
    /// ("a/#" matches "a"). At the root, '+' and '#' skip topics starting with '$' [MQTT-4.7.2-1]. The order
    /// of the results carries no meaning. Runs once per SUBSCRIBE, not per PUBLISH, so it may allocate its
    /// work stack.
    /// </remarks>
    public void Match(string filter, List<BrokerMessage> results)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(results);

        if (filter.AsSpan().IndexOfAny('+', '#') < 0)
        {
            if (_byTopic.TryGetValue(filter, out Node? exact) && exact.Message is { } message)
            {
                results.Add(message);
            }

            return;
        }

        // (node, position in the filter where its next level starts). Position filter.Length + 1 means the
        // filter is used up; Subtree means "everything under here" (below a '#').
        const int Subtree = -1;
        int end = filter.Length;
        var work = new Stack<(Node Node, int Position)>();
        work.Push((_root, 0));
        while (work.Count > 0)
        {
            (Node node, int position) = work.Pop();
            if (position == Subtree)
            {
                AddMessage(node, results);
                PushChildren(work, node, Subtree, skipDollar: false);
                continue;
            }

            if (position > end)
            {
                AddMessage(node, results);
                continue;
            }

            ReadOnlySpan<char> rest = filter.AsSpan(position);
            int slash = rest.IndexOf('/');
            ReadOnlySpan<char> level = slash < 0 ? rest : rest[..slash];
            int next = slash < 0 ? end + 1 : position + slash + 1;
            bool atRoot = node == _root;

            if (level.Length == 1 && level[0] == '#')
            {
                AddMessage(node, results);
                PushChildren(work, node, Subtree, skipDollar: atRoot);
            }
            else if (level.Length == 1 && level[0] == '+')
            {
                PushChildren(work, node, next, skipDollar: atRoot);
            }
            else if (node.Children is not null && node.ChildLookup.TryGetValue(level, out Node? child))
            {
                work.Push((child, next));
            }
        }
    }

    private static void AddMessage(Node node, List<BrokerMessage> results)
    {
        if (node.Message is { } message)
        {
            results.Add(message);
        }
    }

    private static void PushChildren(Stack<(Node Node, int Position)> work, Node node, int position, bool skipDollar)
    {
        if (node.Children is null)
        {
            return;
        }

        foreach (Node child in node.Children.Values)
        {
            // A top-level child whose level starts with '$' holds exactly the topics starting with '$'.
            if (skipDollar && child.Level.StartsWith('$'))
            {
                continue;
            }

            work.Push((child, position));
        }
    }

    private Node GetOrCreateChild(Node parent, ReadOnlySpan<char> level)
    {
        if (parent.Children is null)
        {
            parent.SetChildren(new Dictionary<string, Node>(StringComparer.Ordinal));
        }
        else if (parent.ChildLookup.TryGetValue(level, out Node? found))
        {
            return found;
        }

        string key = level.ToString();
        var child = new Node(parent, key);
        parent.Children!.Add(key, child);
        _nodes++;
        return child;
    }

    /// <summary>One topic level: the message retained at exactly this topic, if any, and the levels below.</summary>
    private sealed class Node(Node? parent, string level)
    {
        public Node? Parent { get; } = parent;

        public string Level { get; } = level;

        public BrokerMessage? Message { get; set; }

        public Dictionary<string, Node>? Children { get; private set; }

        public Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> ChildLookup { get; private set; }

        public void SetChildren(Dictionary<string, Node>? children)
        {
            Children = children;
            ChildLookup = children is null ? default : children.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }
}
