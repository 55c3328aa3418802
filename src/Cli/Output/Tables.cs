using Spectre.Console;

namespace Statehouse.Cli.Output;

/// <summary>The one table style of the human output: upper-case headers, no borders, columns aligned.</summary>
internal static class Tables
{
    public static Table Create(params string[] headers)
    {
        var table = new Table().Border(TableBorder.None);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header)).PadLeft(0).PadRight(2));
        }

        return table;
    }

    /// <summary>A two-column table of name and value, without headers.</summary>
    public static Table Properties(IEnumerable<(string Name, string Value)> properties)
    {
        var table = Create("FIELD", "VALUE").HideHeaders();
        foreach (var (name, value) in properties)
        {
            table.Row(name, value);
        }

        return table;
    }

    /// <summary>Adds a row of plain text (no Spectre markup: keys and values are shown as they are).</summary>
    public static Table Row(this Table table, params string[] cells)
    {
        table.AddRow(cells.Select(cell => new Text(cell)).ToArray());
        return table;
    }
}
