using Npgsql;

namespace Statehouse.Bench.Load;

/// <summary>
/// The same transaction against PostgreSQL: one transaction of <see cref="LoadShape.Operations"/> upserts (sent as
/// one batch, then COMMIT), synchronous_commit=on, one pooled connection per in-flight slot (C × I connections).
/// The table keeps the latest value and version per (agent, key), like Statehouse's state column family; Statehouse
/// additionally writes history, log and inbox entries in the same synced write.
/// </summary>
internal sealed class PostgresTarget : ITransactionTarget
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly LoadShape _shape;
    private readonly string _table;
    private readonly string _upsert;
    private readonly string[] _agents;
    private readonly string[] _keys;
    private readonly byte[] _value;

    private PostgresTarget(NpgsqlDataSource dataSource, LoadShape shape, string table)
    {
        _dataSource = dataSource;
        _shape = shape;
        _table = table;
        _upsert = $"INSERT INTO {table} (agent, key, value, version) VALUES ($1, $2, $3, 1) " +
            $"ON CONFLICT (agent, key) DO UPDATE SET value = EXCLUDED.value, version = {table}.version + 1";
        _agents = Enumerable.Range(0, shape.Slots).Select(shape.AgentOf).ToArray();
        _keys = Enumerable.Range(0, shape.KeysPerAgent).Select(LoadShape.KeyName).ToArray();
        _value = ValuePayload.Create(shape.ValueBytes);
    }

    public static async Task<PostgresTarget> CreateAsync(string connectionString, LoadShape shape, string table, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = shape.Slots,
            MinPoolSize = 0,
            // Prepared statements after the first few uses: what a tuned application gets.
            MaxAutoPrepare = 10,
            // Durable commits, whatever the server's default says.
            Options = "-c synchronous_commit=on",
            ApplicationName = "statehouse-bench",
        };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using (var create = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {table} (agent text NOT NULL, key text NOT NULL, value bytea NOT NULL, " +
                "version bigint NOT NULL, PRIMARY KEY (agent, key))", connection))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await using var check = new NpgsqlCommand("SELECT current_setting('synchronous_commit'), current_setting('fsync')", connection);
            await using var reader = await check.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var synchronousCommit = reader.GetString(0);
            var fsync = reader.GetString(1);
            if (synchronousCommit != "on" || fsync != "on")
            {
                throw new InvalidOperationException($"PostgreSQL must commit durably for this comparison: synchronous_commit={synchronousCommit}, fsync={fsync}.");
            }

            return new PostgresTarget(dataSource, shape, table);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public async Task CommitAsync(int slot, long sequence, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        var agent = _agents[slot % _agents.Length];
        for (var op = 0; op < _shape.Operations; op++)
        {
            var command = new NpgsqlBatchCommand(_upsert);
            command.Parameters.Add(new NpgsqlParameter { Value = agent });
            command.Parameters.Add(new NpgsqlParameter { Value = _keys[_shape.KeyIndex(sequence, op)] });
            command.Parameters.Add(new NpgsqlParameter { Value = _value });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync();
            await using var drop = new NpgsqlCommand($"DROP TABLE IF EXISTS {_table}", connection);
            await drop.ExecuteNonQueryAsync();
        }
        finally
        {
            await _dataSource.DisposeAsync();
        }
    }
}
