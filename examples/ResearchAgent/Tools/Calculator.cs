using System.Globalization;

namespace Statehouse.Examples.ResearchAgent.Tools;

/// <summary>
/// The calculator tool: evaluates arithmetic such as <c>round(1000 * (1 + 5%) ^ 10, 2)</c> with a small recursive-descent
/// parser over <see cref="decimal"/> — exact for money-like numbers, and nothing but arithmetic can run. Supports
/// <c>+ - * / ^</c> (integer powers), parentheses, unary minus, <c>N%</c> (N / 100) and <c>round(x, digits)</c>.
/// </summary>
internal sealed class Calculator
{
    private const int MaxPower = 1000;
    private const int MaxDepth = 64;

    private readonly string _text;
    private int _position;
    private int _depth;

    private Calculator(string text)
    {
        _text = text;
    }

    /// <exception cref="ToolException">The expression is malformed or its result is out of range.</exception>
    public static decimal Evaluate(string expression)
    {
        var calculator = new Calculator(expression);
        try
        {
            var value = calculator.ParseSum();
            calculator.SkipSpaces();
            if (calculator._position < expression.Length)
            {
                throw calculator.Error($"unexpected '{expression[calculator._position]}'");
            }

            return value;
        }
        catch (OverflowException)
        {
            throw new ToolException($"'{expression}' is too large to compute");
        }
        catch (DivideByZeroException)
        {
            throw new ToolException($"'{expression}' divides by zero");
        }
    }

    // sum := product (('+' | '-') product)*
    private decimal ParseSum()
    {
        var value = ParseProduct();
        while (true)
        {
            if (Accept('+'))
            {
                value += ParseProduct();
            }
            else if (Accept('-'))
            {
                value -= ParseProduct();
            }
            else
            {
                return value;
            }
        }
    }

    // product := unary (('*' | '/') unary)*
    private decimal ParseProduct()
    {
        var value = ParseUnary();
        while (true)
        {
            if (Accept('*'))
            {
                value *= ParseUnary();
            }
            else if (Accept('/'))
            {
                value /= ParseUnary();
            }
            else
            {
                return value;
            }
        }
    }

    // unary := ('-' | '+') unary | power — so -2 ^ 2 is -(2 ^ 2), as on paper.
    private decimal ParseUnary()
    {
        if (++_depth > MaxDepth)
        {
            throw Error("nested too deeply");
        }

        try
        {
            return Accept('-') ? -ParseUnary() : Accept('+') ? ParseUnary() : ParsePower();
        }
        finally
        {
            _depth--;
        }
    }

    // power := primary ('^' unary)? — right-associative: 2 ^ 3 ^ 2 is 2 ^ 9.
    private decimal ParsePower()
    {
        var value = ParsePrimary();
        return Accept('^') ? Power(value, ParseUnary()) : value;
    }

    // primary := number '%'? | '(' sum ')' | 'round' '(' sum ',' sum ')'
    private decimal ParsePrimary()
    {
        SkipSpaces();
        if (Accept('('))
        {
            var inner = ParseSum();
            Expect(')');
            return inner;
        }

        if (AcceptWord("round"))
        {
            Expect('(');
            var value = ParseSum();
            Expect(',');
            var digits = ParseSum();
            Expect(')');
            if (digits != decimal.Truncate(digits) || digits is < 0 or > 28)
            {
                throw Error($"round needs 0 to 28 digits, got {digits.ToString(CultureInfo.InvariantCulture)}");
            }

            return Math.Round(value, (int)digits, MidpointRounding.AwayFromZero);
        }

        var number = ParseNumber();
        return Accept('%') ? number / 100 : number;
    }

    private decimal ParseNumber()
    {
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.'))
        {
            _position++;
        }

        if (!decimal.TryParse(_text.AsSpan(start, _position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            throw _position < _text.Length ? Error($"unexpected '{_text[_position]}'") : Error("unexpected end");
        }

        return number;
    }

    private decimal Power(decimal value, decimal exponent)
    {
        if (exponent != decimal.Truncate(exponent) || Math.Abs(exponent) > MaxPower)
        {
            throw Error($"powers must be whole numbers up to {MaxPower}, got {exponent.ToString(CultureInfo.InvariantCulture)}");
        }

        // Square-and-multiply keeps decimal's exactness (Math.Pow would round through double).
        var result = 1m;
        var factor = value;
        for (var n = (int)Math.Abs(exponent); n > 0; n >>= 1)
        {
            if ((n & 1) == 1)
            {
                result *= factor;
            }

            if (n > 1)
            {
                factor *= factor;
            }
        }

        return exponent < 0 ? 1 / result : result;
    }

    private bool Accept(char symbol)
    {
        SkipSpaces();
        if (_position < _text.Length && _text[_position] == symbol)
        {
            _position++;
            return true;
        }

        return false;
    }

    private bool AcceptWord(string word)
    {
        if (!_text.AsSpan(_position).StartsWith(word, StringComparison.Ordinal))
        {
            return false;
        }

        _position += word.Length;
        return true;
    }

    private void Expect(char symbol)
    {
        if (!Accept(symbol))
        {
            throw _position < _text.Length ? Error($"expected '{symbol}' but found '{_text[_position]}'") : Error($"expected '{symbol}'");
        }
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && _text[_position] == ' ')
        {
            _position++;
        }
    }

    private ToolException Error(string problem) => new($"cannot evaluate '{_text}': {problem} at position {_position + 1}");
}
