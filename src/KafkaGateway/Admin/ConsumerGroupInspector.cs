using Confluent.Kafka;
using KafkaGateway.Http;

namespace KafkaGateway.Admin;

/// <summary>
/// Reads and resets consumer groups' committed offsets. Where the cluster cannot describe groups (old brokers, the
/// embedded cluster), the committed offsets are still found by asking for every partition explicitly.
/// </summary>
public sealed class ConsumerGroupInspector(IKafkaAdminOperations operations)
{
    private const string DescribeUnsupportedNote =
        "The cluster cannot describe consumer groups (DescribeGroups): state, protocol and members are unknown; committed offsets are shown.";

    /// <summary>Members, committed offsets and lag of <paramref name="group"/>.</summary>
    public async Task<ConsumerGroupDetail> DescribeAsync(string group, CancellationToken cancellationToken)
    {
        var description = await TryDescribeAsync(group, cancellationToken);
        IReadOnlyCollection<TopicPartition>? partitions = null;
        if (description is null)
        {
            var topology = await operations.GetTopologyAsync(cancellationToken);
            partitions = AllPartitions(topology);
        }

        var committed = await operations.GetCommittedOffsetsAsync(group, partitions, cancellationToken);
        if (committed.Count == 0 && (description is null || (description.Members.Count == 0 && description.State is "Dead" or "Unknown")))
        {
            throw new KafkaException(new Error(ErrorCode.GroupIdNotFound, $"Consumer group '{group}' does not exist (no members, no committed offsets)."));
        }

        var watermarks = (await operations.GetWatermarksAsync(committed.Keys.ToArray(), cancellationToken))
            .ToDictionary(w => new TopicPartition(w.Topic, w.Partition), w => w.High);
        var offsets = committed
            .OrderBy(c => c.Key.Topic, StringComparer.Ordinal).ThenBy(c => c.Key.Partition.Value)
            .Select(c =>
            {
                var high = watermarks.GetValueOrDefault(c.Key, c.Value);
                return new CommittedPartitionOffset(c.Key.Topic, c.Key.Partition.Value, c.Value, high, Math.Max(0, high - c.Value));
            })
            .ToArray();

        return new ConsumerGroupDetail(
            group,
            description?.State ?? "Unknown",
            description?.Protocol,
            description?.CoordinatorId,
            description?.Members.Select(ToMember).ToArray(),
            offsets,
            offsets.Sum(o => o.Lag),
            description is null ? [DescribeUnsupportedNote] : null);
    }

    /// <summary>Resets (or with dry run, computes) the group's committed offsets on one topic.</summary>
    public async Task<OffsetsReset> ResetAsync(string group, ResetOffsetsRequest request, CancellationToken cancellationToken)
    {
        var topicName = request.Topic!;
        var topology = await operations.GetTopologyAsync(cancellationToken);
        var topic = topology.Find(topicName)
            ?? throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPart, $"Topic '{topicName}' does not exist."));
        var existing = topic.Partitions.Select(p => p.Partition).ToHashSet();
        var requested = request.To == OffsetResetTarget.Offsets
            ? request.Offsets!.Select(o => o.Partition).ToArray()
            : request.Partitions is { Count: > 0 } list ? list.Distinct().ToArray() : existing.Order().ToArray();
        if (requested.FirstOrDefault(p => !existing.Contains(p), -1) is var missing and >= 0)
        {
            throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPart, $"Topic '{topicName}' has no partition {missing}."));
        }

        // The broker refuses commits for a group with active members; say so up front where we can see them.
        var description = await TryDescribeAsync(group, cancellationToken);
        if (description is { Members.Count: > 0 })
        {
            throw new KafkaException(new Error(ErrorCode.NonEmptyGroup,
                $"Consumer group '{group}' has {description.Members.Count} active member(s); stop its consumers before resetting offsets."));
        }

        var partitions = requested.Select(p => new TopicPartition(topicName, p)).ToArray();
        var watermarks = (await operations.GetWatermarksAsync(partitions, cancellationToken)).ToDictionary(w => w.Partition);
        var targets = await TargetsAsync(request, partitions, watermarks, cancellationToken);
        var previous = await operations.GetCommittedOffsetsAsync(group, partitions, cancellationToken);

        if (!request.DryRun)
        {
            await operations.CommitOffsetsAsync(group,
                targets.Select(t => new TopicPartitionOffset(topicName, t.Key, t.Value)).ToArray(), cancellationToken);
        }

        return new OffsetsReset(group, topicName, request.DryRun, targets
            .OrderBy(t => t.Key)
            .Select(t => new PartitionOffsetChange(t.Key,
                previous.TryGetValue(new TopicPartition(topicName, t.Key), out var before) ? before : null, t.Value))
            .ToArray());
    }

    private async Task<Dictionary<int, long>> TargetsAsync(ResetOffsetsRequest request, TopicPartition[] partitions,
        Dictionary<int, PartitionWatermarks> watermarks, CancellationToken cancellationToken)
    {
        switch (request.To)
        {
            case OffsetResetTarget.Earliest:
                return watermarks.ToDictionary(w => w.Key, w => w.Value.Low);
            case OffsetResetTarget.Latest:
                return watermarks.ToDictionary(w => w.Key, w => w.Value.High);
            case OffsetResetTarget.Timestamp:
                var byTime = await operations.GetOffsetsForTimestampAsync(partitions, request.Timestamp!.Value, cancellationToken);
                // No record at or after the instant: the group continues with the next new record.
                return watermarks.ToDictionary(w => w.Key, w =>
                    byTime.TryGetValue(new TopicPartition(request.Topic!, w.Key), out var offset) && offset >= 0 ? offset : w.Value.High);
            default:
                var targets = new Dictionary<int, long>();
                foreach (var wanted in request.Offsets!)
                {
                    var range = watermarks[wanted.Partition];
                    if (wanted.Offset < range.Low || wanted.Offset > range.High)
                    {
                        throw new KafkaException(new Error(ErrorCode.OffsetOutOfRange,
                            $"Offset {wanted.Offset} is outside partition {wanted.Partition}'s range {range.Low}..{range.High}."));
                    }

                    targets[wanted.Partition] = wanted.Offset;
                }

                return targets;
        }
    }

    /// <summary>The group's description, or null when the cluster cannot describe groups.</summary>
    private async Task<GroupDescription?> TryDescribeAsync(string group, CancellationToken cancellationToken)
    {
        try
        {
            return await operations.DescribeGroupAsync(group, cancellationToken);
        }
        catch (KafkaException ex) when (Kafka.KafkaErrorMapper.Unwrap(ex).Code is ErrorCode.Local_UnsupportedFeature or ErrorCode.UnsupportedVersion)
        {
            return null;
        }
        catch (GatewayException ex) when (ex.StatusCode == StatusCodes.Status501NotImplemented)
        {
            return null;
        }
    }

    private static TopicPartition[] AllPartitions(ClusterTopology topology) =>
        topology.Topics.Where(t => !t.Internal)
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.Partition)))
            .ToArray();

    private static ConsumerGroupMember ToMember(GroupMember member) =>
        new(member.MemberId, member.ClientId, member.Host, member.GroupInstanceId, member.Assignment
            .GroupBy(tp => tp.Topic, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new TopicPartitions(g.Key, g.Select(tp => tp.Partition.Value).Order().ToArray()))
            .ToArray());
}
