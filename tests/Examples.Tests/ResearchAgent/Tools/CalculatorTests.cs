using System.Globalization;
using Statehouse.Examples.ResearchAgent.Tools;

namespace Statehouse.Examples.Tests.ResearchAgent.Tools;

public sealed class CalculatorTests
{
    [Theory]
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("10 - 4 - 3", "3")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("2 ^ 3 ^ 2", "512")]
    [InlineData("-2 ^ 2", "-4")]
    [InlineData("2 ^ -2", "0.25")]
    [InlineData("5%", "0.05")]
    [InlineData("1000 * (1 + 5%) ^ 10", "1628.89462677744140625")]
    [InlineData("round(1000 * (1 + 5%) ^ 10, 2)", "1628.89")]
    [InlineData("round(2.5, 0)", "3")]
    public void Evaluate_Arithmetic_IsExact(string expression, string expected)
    {
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), Calculator.Evaluate(expression));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1 +")]
    [InlineData("(1")]
    [InlineData("1 2")]
    [InlineData("2 ^ 0.5")]
    [InlineData("1 / 0")]
    [InlineData("10 ^ 1000")]
    [InlineData("round(1, 99)")]
    [InlineData("System.IO.File.Delete(\"x\")")]
    public void Evaluate_NotArithmetic_ThrowsToolException(string expression)
    {
        Assert.Throws<ToolException>(() => Calculator.Evaluate(expression));
    }

    [Fact]
    public void Evaluate_DeepNesting_ThrowsToolException()
    {
        Assert.Throws<ToolException>(() => Calculator.Evaluate(new string('-', 10_000) + "1"));
        Assert.Throws<ToolException>(() => Calculator.Evaluate(new string('(', 10_000) + "1" + new string(')', 10_000)));
    }
}
