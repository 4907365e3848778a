using FluentValidation;
using KafkaGateway.Kafka;

namespace KafkaGateway.Admin;

/// <summary>Validates <see cref="CreateTopicRequest"/>.</summary>
public sealed class CreateTopicRequestValidator : AbstractValidator<CreateTopicRequest>
{
    public CreateTopicRequestValidator()
    {
        RuleFor(r => r.Name).Custom((name, context) =>
        {
            if (TopicNameRules.Violation(name) is { } violation)
            {
                context.AddFailure(violation);
            }
        });
        RuleFor(r => r.Partitions).GreaterThanOrEqualTo(1).WithMessage("'partitions' must be at least 1 (was {PropertyValue}).");
        RuleFor(r => r.ReplicationFactor)
            .Must(rf => rf == -1 || rf is >= 1 and <= short.MaxValue)
            .WithMessage("'replicationFactor' must be at least 1, or -1 for the broker default (was {PropertyValue}).");
        RuleForEach(r => r.Configs).ChildRules(entry =>
        {
            entry.RuleFor(kv => kv.Key).Must(TopicConfigNames.IsKnown).WithMessage((_, name) => TopicConfigNames.UnknownMessage(name))
                .OverridePropertyName("name");
            entry.RuleFor(kv => kv.Value).NotNull().WithMessage("A config value is required.").OverridePropertyName("value");
        }).OverridePropertyName("configs");
    }
}

/// <summary>Validates <see cref="AlterTopicConfigsRequest"/>.</summary>
public sealed class AlterTopicConfigsRequestValidator : AbstractValidator<AlterTopicConfigsRequest>
{
    public AlterTopicConfigsRequestValidator()
    {
        RuleFor(r => r)
            .Must(r => (r.Set?.Count ?? 0) + (r.Delete?.Count ?? 0) > 0)
            .WithMessage("Give at least one entry in 'set' or 'delete'.")
            .OverridePropertyName("$");
        RuleForEach(r => r.Set).ChildRules(entry =>
        {
            entry.RuleFor(kv => kv.Key).Must(TopicConfigNames.IsKnown).WithMessage((_, name) => TopicConfigNames.UnknownMessage(name))
                .OverridePropertyName("name");
            entry.RuleFor(kv => kv.Value).NotNull().WithMessage("A config value is required.").OverridePropertyName("value");
        }).OverridePropertyName("set");
        RuleForEach(r => r.Delete).Must(TopicConfigNames.IsKnown).WithMessage((_, name) => TopicConfigNames.UnknownMessage(name ?? ""));
        RuleFor(r => r)
            .Must(r => r.Set is null || r.Delete is null || !r.Delete.Any(r.Set.ContainsKey))
            .WithMessage("A config cannot be both set and deleted.")
            .OverridePropertyName("delete");
    }
}

/// <summary>Validates <see cref="CreatePartitionsRequest"/>.</summary>
public sealed class CreatePartitionsRequestValidator : AbstractValidator<CreatePartitionsRequest>
{
    public CreatePartitionsRequestValidator() =>
        RuleFor(r => r.Count).GreaterThanOrEqualTo(1).WithMessage("'count' is the new total number of partitions and must be at least 1 (was {PropertyValue}).");
}

/// <summary>Validates <see cref="DeleteRecordsRequest"/>.</summary>
public sealed class DeleteRecordsRequestValidator : AbstractValidator<DeleteRecordsRequest>
{
    public DeleteRecordsRequestValidator()
    {
        RuleFor(r => r.Partitions).NotEmpty().WithMessage("Give at least one partition.");
        RuleForEach(r => r.Partitions).ChildRules(p =>
        {
            p.RuleFor(x => x.Partition).GreaterThanOrEqualTo(0);
            p.RuleFor(x => x.BeforeOffset).GreaterThanOrEqualTo(-1).WithMessage("'beforeOffset' must be an offset, or -1 for the high watermark.");
        });
        RuleFor(r => r.Partitions)
            .Must(ps => ps is null || ps.Select(p => p.Partition).Distinct().Count() == ps.Count)
            .WithMessage("Each partition may appear once.");
    }
}

/// <summary>Validates <see cref="ResetOffsetsRequest"/>.</summary>
public sealed class ResetOffsetsRequestValidator : AbstractValidator<ResetOffsetsRequest>
{
    public ResetOffsetsRequestValidator()
    {
        RuleFor(r => r.Topic).Custom((name, context) =>
        {
            if (TopicNameRules.Violation(name) is { } violation)
            {
                context.AddFailure(violation);
            }
        });
        RuleFor(r => r.To).NotNull().WithMessage("'to' is required: earliest, latest, timestamp or offsets.");
        RuleFor(r => r.Timestamp).NotNull().When(r => r.To == OffsetResetTarget.Timestamp)
            .WithMessage("'timestamp' is required with \"to\": \"timestamp\".");
        RuleFor(r => r.Offsets).NotEmpty().When(r => r.To == OffsetResetTarget.Offsets)
            .WithMessage("'offsets' is required with \"to\": \"offsets\".");
        RuleForEach(r => r.Offsets).ChildRules(p =>
        {
            p.RuleFor(x => x.Partition).GreaterThanOrEqualTo(0);
            p.RuleFor(x => x.Offset).GreaterThanOrEqualTo(0);
        });
        RuleFor(r => r.Offsets)
            .Must(ps => ps is null || ps.Select(p => p.Partition).Distinct().Count() == ps.Count)
            .WithMessage("Each partition may appear once.");
        RuleForEach(r => r.Partitions).GreaterThanOrEqualTo(0);
    }
}
