using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MqttHealth.Broker.Routing;

/// <summary>
/// Every subscription of the broker, arranged so that finding the subscriptions of one topic costs what the
/// topic and its matches cost, not what the number of subscriptions costs (as mosquitto's subs.c does it).
/// Filters without wildcards live in a dictionary keyed by the filter, so a topic finds them with one lookup.
/// Filters with wildcards live in a trie of topic levels: each node has its literal children by level
/// string plus one '+' and one '#' child, and <see cref="Match"/> walks only the branches the topic can
/// reach. Shared subscriptions (5.0 §4.8.2) are kept as <see cref="SharedSubscriptionGroup{TSubscriber}"/>
/// objects at the position of their filter, keyed by (ShareName, Filter).
/// Not thread-safe: the engine calls it under its lock. That includes <see cref="Match"/>, which reuses a
/// per-instance work stack, so even concurrent readers need the lock. Matching allocates nothing.
/// </summary>
/// <remarks>
/// Filters must be valid (the engine checks them with <c>MqttTopic.ValidateTopicFilter</c>);
/// <see cref="Subscribe"/> still refuses a misplaced wildcard with an <see cref="ArgumentException"/> rather
/// than building a trie that could never match it.
/// </remarks>
public sealed class SubscriptionIndex<TSubscriber>
    where TSubscriber : class
{
    private const string SharePrefix = "$share/";

    /// <summary>Filters without wildcards, by filter: the common case (one device, one topic) is one lookup.</summary>
    private readonly Dictionary<string, Node> _exact = new(StringComparer.Ordinal);

    /// <summary>The trie of wildcard filters. The root stands for "no level consumed yet" and holds no entries.</summary>
    private readonly Node _root = new(null, string.Empty, NodeKind.Root);

    /// <summary>Where each subscription is, by (subscriber, filter as sent): makes replace and unsubscribe O(1).</summary>
    private readonly Dictionary<(TSubscriber Subscriber, string TopicFilter), Location> _locations = [];

    /// <summary>
    /// The pending (node, topic position) pairs of one <see cref="Match"/> call. Kept between calls so that
    /// matching does not allocate; an explicit stack instead of recursion so that a topic of thousands of
    /// empty levels against a filter of as many '+' levels cannot overflow the thread's stack.
    /// </summary>
    private WorkItem[] _work = new WorkItem[16];

    private int _trieNodes;

    private enum NodeKind
    {
        Root,
        Exact,
        Literal,
        SingleLevel,
        MultiLevel,
    }

    /// <summary>Number of subscriptions held (shared members included).</summary>
    public int Count => _locations.Count;

    /// <summary>
    /// Number of exact-filter buckets plus wildcard trie nodes currently held (the trie root excluded).
    /// Unsubscribing prunes empty ones, so this returns to 0 when the last subscription leaves; it is exposed
    /// so that tests and diagnostics can see that subscription churn does not grow memory.
    /// </summary>
    public int NodeCount => _exact.Count + _trieNodes;

    /// <summary>Adds the subscription, or replaces the subscriber's existing one with the same <see cref="SubscriptionEntry{TSubscriber}.TopicFilter"/>. Returns true when it replaced one.</summary>
    /// <remarks>
    /// A replaced subscription keeps its place: the same bucket, and for a shared one the same position in
    /// <see cref="SharedSubscriptionGroup{TSubscriber}.Members"/>. The entry's fields must agree with each other:
    /// <c>Filter == TopicFilter</c> without a ShareName, <c>TopicFilter == "$share/" + ShareName + "/" + Filter</c> with one.
    /// </remarks>
    /// <exception cref="ArgumentException">The entry's fields disagree, or the filter is empty or has a misplaced wildcard.</exception>
    public bool Subscribe(SubscriptionEntry<TSubscriber> entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckConsistent(entry);
        bool hasWildcards = CheckFilter(entry.Filter);

        ref Location existing = ref CollectionsMarshal.GetValueRefOrNullRef(_locations, (entry.Subscriber, entry.TopicFilter));
        if (!Unsafe.IsNullRef(ref existing))
        {
            // Same subscriber and same filter as sent, hence the same ShareName and Filter: same place.
            if (existing.Group is { } existingGroup)
            {
                existingGroup.Members[IndexOf(existingGroup.Members, existing.Entry)] = entry;
            }
            else
            {
                existing.Node.Direct![existing.Index] = entry;
            }

            existing.Entry = entry;
            return true;
        }

        Node node = GetOrCreateNode(entry.Filter, hasWildcards);
        if (entry.ShareName is null)
        {
            node.Direct ??= [];
            _locations.Add((entry.Subscriber, entry.TopicFilter), new Location(node, entry, node.Direct.Count, null));
            node.Direct.Add(entry);
        }
        else
        {
            SharedSubscriptionGroup<TSubscriber>? group = FindGroup(node, entry.ShareName);
            if (group is null)
            {
                group = new SharedSubscriptionGroup<TSubscriber>(entry.ShareName, entry.Filter);
                (node.Groups ??= []).Add(group);
            }

            _locations.Add((entry.Subscriber, entry.TopicFilter), new Location(node, entry, -1, group));
            group.Members.Add(entry);
        }

        return false;
    }

    /// <summary>Removes the subscriber's subscription with this exact filter (as sent, including $share). Returns false if there was none.</summary>
    /// <remarks>
    /// Empty buckets, trie nodes and shared groups are removed with it. When a shared member before the
    /// group's <see cref="SharedSubscriptionGroup{TSubscriber}.NextMember"/> leaves, the cursor moves back one
    /// so that the member it pointed at is still the next one; a cursor past the end wraps to 0.
    /// </remarks>
    public bool Unsubscribe(TSubscriber subscriber, string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(topicFilter);
        if (!_locations.Remove((subscriber, topicFilter), out Location location))
        {
            return false;
        }

        Node node = location.Node;
        if (location.Group is { } group)
        {
            int index = IndexOf(group.Members, location.Entry);
            group.Members.RemoveAt(index);
            if (group.Members.Count == 0)
            {
                node.Groups!.Remove(group);
            }
            else
            {
                if (index < group.NextMember)
                {
                    group.NextMember--;
                }

                if (group.NextMember >= group.Members.Count)
                {
                    group.NextMember = 0;
                }
            }
        }
        else
        {
            // Swap with the last entry so that removal is O(1) however many subscribers share the filter;
            // the order of direct entries carries no meaning.
            List<SubscriptionEntry<TSubscriber>> direct = node.Direct!;
            int last = direct.Count - 1;
            if (location.Index != last)
            {
                SubscriptionEntry<TSubscriber> moved = direct[last];
                direct[location.Index] = moved;
                CollectionsMarshal.GetValueRefOrNullRef(_locations, (moved.Subscriber, moved.TopicFilter)).Index = location.Index;
            }

            direct.RemoveAt(last);
        }

        Prune(node);
        return true;
    }

    /// <summary>Finds the subscriber's subscription with this exact filter (as sent, including $share).</summary>
    public bool TryGetSubscription(TSubscriber subscriber, string topicFilter, [NotNullWhen(true)] out SubscriptionEntry<TSubscriber>? entry)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(topicFilter);
        if (_locations.TryGetValue((subscriber, topicFilter), out Location location))
        {
            entry = location.Entry;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>
    /// Appends every non-shared subscription whose filter matches <paramref name="topic"/> to
    /// <paramref name="direct"/> (one entry per matching subscription; a subscriber may appear more than
    /// once) and every shared group whose filter matches to <paramref name="shared"/>. Applies the rule
    /// that filters starting with a wildcard do not match topics starting with '$' [MQTT-4.7.2-1].
    /// </summary>
    /// <remarks>
    /// Allocates nothing once the result lists have room. The order of the results carries no meaning.
    /// '#' also matches its parent level ("a/#" matches "a", 5.0 §4.7.1.2), '+' matches an empty level, and
    /// levels may be empty ("a//b", "/a").
    /// </remarks>
    public void Match(string topic, List<SubscriptionEntry<TSubscriber>> direct, List<SharedSubscriptionGroup<TSubscriber>> shared)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(direct);
        ArgumentNullException.ThrowIfNull(shared);

        if (_exact.TryGetValue(topic, out Node? exact))
        {
            AddEntries(exact, direct, shared);
        }

        if (_trieNodes == 0)
        {
            return;
        }

        // [MQTT-4.7.2-1]: at the root, the '+' and '#' children are the filters that start with a wildcard.
        bool dollar = topic.Length > 0 && topic[0] == '$';
        int end = topic.Length;
        int depth = 0;
        _work[depth++] = new WorkItem(_root, 0);
        while (depth > 0)
        {
            WorkItem item = _work[--depth];
            _work[depth] = default; // hold no pruned node alive
            Node node = item.Node;
            bool wildcardsAllowed = !dollar || node != _root;

            // A '#' child matches whatever remains, including nothing: "a/#" matches "a" and "a/b/c".
            if (wildcardsAllowed && node.MultiLevel is { } multiLevel)
            {
                AddEntries(multiLevel, direct, shared);
            }

            // Position end + 1 means every level of the topic has been consumed.
            if (item.Position > end)
            {
                AddEntries(node, direct, shared);
                continue;
            }

            ReadOnlySpan<char> rest = topic.AsSpan(item.Position);
            int slash = rest.IndexOf('/');
            ReadOnlySpan<char> level = slash < 0 ? rest : rest[..slash];
            int next = slash < 0 ? end + 1 : item.Position + slash + 1;

            if (node.Children is not null && node.ChildLookup.TryGetValue(level, out Node? child))
            {
                Push(ref depth, new WorkItem(child, next));
            }

            if (wildcardsAllowed && node.SingleLevel is { } singleLevel)
            {
                Push(ref depth, new WorkItem(singleLevel, next));
            }
        }
    }

    private static void AddEntries(Node node, List<SubscriptionEntry<TSubscriber>> direct, List<SharedSubscriptionGroup<TSubscriber>> shared)
    {
        if (node.Direct is { Count: > 0 } entries)
        {
            direct.AddRange(CollectionsMarshal.AsSpan(entries));
        }

        if (node.Groups is { Count: > 0 } groups)
        {
            shared.AddRange(CollectionsMarshal.AsSpan(groups));
        }
    }

    private static int IndexOf(List<SubscriptionEntry<TSubscriber>> members, SubscriptionEntry<TSubscriber> entry)
    {
        // By reference: entries are records, and two members may be equal by value.
        for (int i = 0; i < members.Count; i++)
        {
            if (ReferenceEquals(members[i], entry))
            {
                return i;
            }
        }

        throw new InvalidOperationException("Subscription index is inconsistent: a shared member is missing from its group.");
    }

    private static SharedSubscriptionGroup<TSubscriber>? FindGroup(Node node, string shareName)
    {
        // Few groups share one filter; a list keeps Match a plain copy.
        if (node.Groups is { } groups)
        {
            foreach (SharedSubscriptionGroup<TSubscriber> group in groups)
            {
                if (string.Equals(group.ShareName, shareName, StringComparison.Ordinal))
                {
                    return group;
                }
            }
        }

        return null;
    }

    private static void CheckConsistent(SubscriptionEntry<TSubscriber> entry)
    {
        ArgumentNullException.ThrowIfNull(entry.Subscriber, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.TopicFilter, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Filter, nameof(entry));
        if (entry.ShareName is null)
        {
            if (!string.Equals(entry.TopicFilter, entry.Filter, StringComparison.Ordinal))
            {
                throw new ArgumentException("A subscription without a ShareName must have Filter equal to TopicFilter.", nameof(entry));
            }

            return;
        }

        // The unsubscribe key is the filter as sent, so it must name the same group and filter [MQTT-4.8.2-2].
        string name = entry.ShareName;
        ReadOnlySpan<char> sent = entry.TopicFilter;
        bool consistent = name.Length > 0
            && name.AsSpan().IndexOfAny('/', '+', '#') < 0
            && sent.Length == SharePrefix.Length + name.Length + 1 + entry.Filter.Length
            && sent.StartsWith(SharePrefix, StringComparison.Ordinal)
            && sent.Slice(SharePrefix.Length, name.Length).SequenceEqual(name)
            && sent[SharePrefix.Length + name.Length] == '/'
            && sent.EndsWith(entry.Filter, StringComparison.Ordinal);
        if (!consistent)
        {
            throw new ArgumentException("A shared subscription must have TopicFilter equal to \"$share/\" + ShareName + \"/\" + Filter.", nameof(entry));
        }
    }

    /// <summary>Checks the wildcard placement [MQTT-4.7.1-1], [MQTT-4.7.1-2]; returns whether the filter has any.</summary>
    private static bool CheckFilter(string filter)
    {
        if (filter.Length == 0)
        {
            throw new ArgumentException("A Topic Filter must be at least one character long [MQTT-4.7.3-1].", nameof(filter));
        }

        ReadOnlySpan<char> rest = filter;
        bool hasWildcards = false;
        while (true)
        {
            int slash = rest.IndexOf('/');
            ReadOnlySpan<char> level = slash < 0 ? rest : rest[..slash];
            if (level.IndexOfAny('+', '#') >= 0)
            {
                hasWildcards = true;
                bool valid = level.Length == 1 && (level[0] == '+' || slash < 0);
                if (!valid)
                {
                    throw new ArgumentException($"Misplaced wildcard in Topic Filter '{filter}' [MQTT-4.7.1-1], [MQTT-4.7.1-2].", nameof(filter));
                }
            }

            if (slash < 0)
            {
                return hasWildcards;
            }

            rest = rest[(slash + 1)..];
        }
    }

    private Node GetOrCreateNode(string filter, bool hasWildcards)
    {
        if (!hasWildcards)
        {
            ref Node? bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(_exact, filter, out _);
            return bucket ??= new Node(null, filter, NodeKind.Exact);
        }

        Node node = _root;
        ReadOnlySpan<char> rest = filter;
        while (true)
        {
            int slash = rest.IndexOf('/');
            ReadOnlySpan<char> level = slash < 0 ? rest : rest[..slash];
            node = GetOrCreateChild(node, level);
            if (slash < 0)
            {
                return node;
            }

            rest = rest[(slash + 1)..];
        }
    }

    private Node GetOrCreateChild(Node parent, ReadOnlySpan<char> level)
    {
        if (level.Length == 1 && level[0] == '+')
        {
            if (parent.SingleLevel is null)
            {
                parent.SingleLevel = new Node(parent, "+", NodeKind.SingleLevel);
                _trieNodes++;
            }

            return parent.SingleLevel;
        }

        if (level.Length == 1 && level[0] == '#')
        {
            if (parent.MultiLevel is null)
            {
                parent.MultiLevel = new Node(parent, "#", NodeKind.MultiLevel);
                _trieNodes++;
            }

            return parent.MultiLevel;
        }

        if (parent.Children is null)
        {
            parent.SetChildren(new Dictionary<string, Node>(StringComparer.Ordinal));
        }
        else if (parent.ChildLookup.TryGetValue(level, out Node? found))
        {
            return found;
        }

        string key = level.ToString();
        var child = new Node(parent, key, NodeKind.Literal);
        parent.Children!.Add(key, child);
        _trieNodes++;
        return child;
    }

    /// <summary>Removes empty buckets and trie nodes from <paramref name="node"/> upwards, so churn does not grow memory.</summary>
    private void Prune(Node node)
    {
        while (node.IsEmpty)
        {
            Node? parent = node.Parent;
            switch (node.Kind)
            {
                case NodeKind.Root:
                    return;
                case NodeKind.Exact:
                    _exact.Remove(node.Key);
                    return;
                case NodeKind.SingleLevel:
                    parent!.SingleLevel = null;
                    break;
                case NodeKind.MultiLevel:
                    parent!.MultiLevel = null;
                    break;
                default:
                    parent!.Children!.Remove(node.Key);
                    if (parent.Children.Count == 0)
                    {
                        parent.SetChildren(null);
                    }

                    break;
            }

            _trieNodes--;
            node = parent;
        }
    }

    private void Push(ref int depth, WorkItem item)
    {
        if (depth == _work.Length)
        {
            // Grows to the deepest topic seen, once; later calls reuse it.
            Array.Resize(ref _work, _work.Length * 2);
        }

        _work[depth++] = item;
    }

    /// <summary>A topic position still to be matched at a trie node; Position is where the next level starts.</summary>
    private readonly record struct WorkItem(Node Node, int Position);

    /// <summary>Where one subscription is held; Index is its slot in <see cref="Node.Direct"/> for a non-shared one.</summary>
    private struct Location(Node node, SubscriptionEntry<TSubscriber> entry, int index, SharedSubscriptionGroup<TSubscriber>? group)
    {
        public Node Node = node;
        public SubscriptionEntry<TSubscriber> Entry = entry;
        public int Index = index;
        public SharedSubscriptionGroup<TSubscriber>? Group = group;
    }

    /// <summary>An exact-filter bucket, or a trie node: the subscriptions whose filter ends here, and the levels below.</summary>
    private sealed class Node(Node? parent, string key, NodeKind kind)
    {
        public Node? Parent { get; } = parent;

        /// <summary>The level string in the parent (or the whole filter for an exact bucket).</summary>
        public string Key { get; } = key;

        public NodeKind Kind { get; } = kind;

        public List<SubscriptionEntry<TSubscriber>>? Direct { get; set; }

        public List<SharedSubscriptionGroup<TSubscriber>>? Groups { get; set; }

        public Dictionary<string, Node>? Children { get; private set; }

        /// <summary>Looks children up by a slice of the topic, so matching builds no level strings.</summary>
        public Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> ChildLookup { get; private set; }

        public Node? SingleLevel { get; set; }

        public Node? MultiLevel { get; set; }

        public bool IsEmpty =>
            (Direct is null || Direct.Count == 0)
            && (Groups is null || Groups.Count == 0)
            && Children is null
            && SingleLevel is null
            && MultiLevel is null;

        public void SetChildren(Dictionary<string, Node>? children)
        {
            Children = children;
            ChildLookup = children is null ? default : children.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }
}
