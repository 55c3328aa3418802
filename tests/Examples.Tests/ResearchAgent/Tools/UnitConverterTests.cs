using Statehouse.Examples.ResearchAgent.Tools;

namespace Statehouse.Examples.Tests.ResearchAgent.Tools;

public sealed class UnitConverterTests
{
    [Theory]
    [InlineData("10 years in days", 3652.5)]
    [InlineData("1 mile to feet", 5280)]
    [InlineData("90 Minutes in hours", 1.5)]
    public void Convert_CompatibleUnits_Converts(string input, double expected)
    {
        Assert.Equal((decimal)expected, UnitConverter.Convert(input));
    }

    [Theory]
    [InlineData("1 hour in meters")]
    [InlineData("1 parsec in meters")]
    [InlineData("ten years in days")]
    public void Convert_UnknownOrIncompatible_ThrowsToolException(string input)
    {
        Assert.Throws<ToolException>(() => UnitConverter.Convert(input));
    }
}
