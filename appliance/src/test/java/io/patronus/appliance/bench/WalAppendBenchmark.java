package io.patronus.appliance.bench;

import io.patronus.wal.RecordType;
import io.patronus.wal.WalOptions;
import io.patronus.wal.WalStats;
import io.patronus.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.sqlite.SQLiteConfig;

/**
 * Durable appends: our write-ahead log against SQLite doing the same durable inserts.
 *
 * <p>Each operation is one record of {@code payloadBytes} that is on disk when the operation returns:
 * {@link WriteAheadLog#append} (group commit, fdatasync), or one autocommitted {@code INSERT} through a
 * connection of the calling thread to an SQLite database in WAL journal mode with {@code synchronous=FULL},
 * which syncs the WAL file at every commit. The writer count is JMH's {@code -t}; {@code scripts/bench-wal}
 * runs 1, 4, 16 and 64. Mode is sample time, for latency percentiles; throughput is writers / mean latency
 * (a closed loop, Little's law). Not a unit test: the name keeps it out of surefire.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class WalAppendBenchmark {

    @Param("200")
    public int payloadBytes;

    Path dataDir;
    WriteAheadLog log;
    String sqliteUrl;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException, SQLException {
        Path base = Path.of(System.getProperty("bench.dir", "target/bench-data")).toAbsolutePath();
        Files.createDirectories(base);
        dataDir = Files.createTempDirectory(base, "wal-bench-");
        if (params.getBenchmark().endsWith("walAppend")) {
            log = WriteAheadLog.open(WalOptions.defaults(dataDir.resolve("wal")));
        } else {
            sqliteUrl = "jdbc:sqlite:" + dataDir.resolve("bench.db");
            try (Connection connection = DriverManager.getConnection(sqliteUrl, sqliteConfig().toProperties());
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, type INTEGER NOT NULL,"
                        + " ts INTEGER NOT NULL, payload BLOB NOT NULL)");
            }
        }
    }

    static SQLiteConfig sqliteConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(600_000);
        return config;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (log != null) {
            WalStats stats = log.stats();
            log.close();
            System.out.printf("%nwal stats: %d appends, %d batches, %d fsyncs, %.1f appends/fsync, flushes:"
                            + " queue-empty %d, max-bytes %d, max-wait %d, roll %d; %d segments rolled%n",
                    stats.appends(), stats.batches(), stats.fsyncs(), stats.appendsPerFsync(),
                    stats.flushesOnQueueEmpty(), stats.flushesOnMaxBytes(), stats.flushesOnMaxWait(),
                    stats.flushesOnSegmentRoll(), stats.segmentsRolled());
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    /** One writer thread: its payload and, for SQLite, its own connection. */
    @State(Scope.Thread)
    public static class Writer {
        byte[] payload;
        Connection connection;
        PreparedStatement insert;

        @Setup(Level.Trial)
        public void setUp(WalAppendBenchmark benchmark) throws SQLException {
            payload = new byte[benchmark.payloadBytes];
            new Random(Thread.currentThread().threadId()).nextBytes(payload);
            if (benchmark.sqliteUrl != null) {
                connection = DriverManager.getConnection(benchmark.sqliteUrl, sqliteConfig().toProperties());
                insert = connection.prepareStatement("INSERT INTO log (type, ts, payload) VALUES (?, ?, ?)");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws SQLException {
            if (connection != null) {
                insert.close();
                connection.close();
            }
        }
    }

    @Benchmark
    public long walAppend(Writer writer) {
        return log.append(RecordType.RAW, writer.payload);
    }

    @Benchmark
    public int sqliteInsert(Writer writer) throws SQLException {
        writer.insert.setInt(1, RecordType.RAW.code());
        writer.insert.setLong(2, System.currentTimeMillis());
        writer.insert.setBytes(3, writer.payload);
        return writer.insert.executeUpdate();
    }
}
