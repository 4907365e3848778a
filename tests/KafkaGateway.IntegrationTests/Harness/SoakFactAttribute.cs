namespace KafkaGateway.IntegrationTests.Harness;

/// <summary>
/// A fault-injection soak test: it runs when <c>KAFKAGATEWAY_SOAK=1</c> is set and is reported as skipped otherwise.
/// Such a test injects random broker faults for seconds and judges every record afterwards; its outcome depends on
/// how the faults fall in time. It stays out of the default run only while it has an open, unexplained failure
/// (named in <see cref="Reason"/>), so that CI stays a verdict on the code rather than on chance.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SoakFactAttribute : FactAttribute
{
    /// <summary>The environment variable that turns soak tests on.</summary>
    public const string Variable = "KAFKAGATEWAY_SOAK";

    /// <summary>Marks a soak test; <paramref name="reason"/> says why it is not in the default run.</summary>
    public SoakFactAttribute(string reason)
    {
        Reason = reason;
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Soak test, run with {Variable}=1. {reason}";
        }
    }

    /// <summary>Why the test is not in the default run.</summary>
    public string Reason { get; }
}
