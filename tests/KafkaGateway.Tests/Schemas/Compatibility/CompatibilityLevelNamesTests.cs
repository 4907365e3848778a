using KafkaGateway.Schemas.Compatibility;

namespace KafkaGateway.Tests.Schemas.Compatibility;

public sealed class CompatibilityLevelNamesTests
{
    public static TheoryData<string, CompatibilityLevel> RegistryNames() => new()
    {
        { "NONE", CompatibilityLevel.None },
        { "BACKWARD", CompatibilityLevel.Backward },
        { "BACKWARD_TRANSITIVE", CompatibilityLevel.BackwardTransitive },
        { "FORWARD", CompatibilityLevel.Forward },
        { "FORWARD_TRANSITIVE", CompatibilityLevel.ForwardTransitive },
        { "FULL", CompatibilityLevel.Full },
        { "FULL_TRANSITIVE", CompatibilityLevel.FullTransitive },
    };

    [Theory]
    [MemberData(nameof(RegistryNames))]
    public void Parse_RegistryName_ReturnsLevel(string name, CompatibilityLevel level)
    {
        Assert.Equal(level, CompatibilityLevelNames.Parse(name));
    }

    [Theory]
    [MemberData(nameof(RegistryNames))]
    public void Parse_LowerCaseRegistryName_ReturnsLevel(string name, CompatibilityLevel level)
    {
        Assert.Equal(level, CompatibilityLevelNames.Parse(name.ToLowerInvariant()));
    }

    [Theory]
    [MemberData(nameof(RegistryNames))]
    public void ToRegistryName_Level_ReturnsRegistryName(string name, CompatibilityLevel level)
    {
        Assert.Equal(name, level.ToRegistryName());
    }

    [Fact]
    public void ToRegistryName_EveryLevel_RoundTripsThroughParse()
    {
        foreach (var level in Enum.GetValues<CompatibilityLevel>())
        {
            Assert.Equal(level, CompatibilityLevelNames.Parse(level.ToRegistryName()));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("BACKWARDS")]
    [InlineData("BackwardTransitive")]
    [InlineData("FULL-TRANSITIVE")]
    public void TryParse_UnknownName_ReturnsFalse(string? name)
    {
        Assert.False(CompatibilityLevelNames.TryParse(name, out _));
    }

    [Fact]
    public void Parse_UnknownName_ThrowsFormatExceptionListingValidNames()
    {
        var exception = Assert.Throws<FormatException>(() => CompatibilityLevelNames.Parse("SIDEWAYS"));

        Assert.Contains("FULL_TRANSITIVE", exception.Message, StringComparison.Ordinal);
    }
}
