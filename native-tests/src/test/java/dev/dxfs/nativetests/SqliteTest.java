package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SQLite in the mount as in a plain directory: one connection commits transaction after
 * transaction, each of which checks that the database's path still names the file it opened.
 */
class SqliteTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    /**
     * A write-ahead log's index is a shared mapping, which libfuse 2 cannot give (ENODEV): that
     * journal mode runs on the kernel transport whatever the run's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"delete", "wal"})
    void oneConnectionCommitsTransactionAfterTransaction(String journalMode) {
        try (MountedDir mounted = MountedDir.create("sqlite-" + journalMode)) {
            if (journalMode.equals("wal")) {
                mounted.mountWith("kernel");
            } else {
                mounted.mount();
            }
            String script = "pragma journal_mode=" + journalMode + ";"
                    + " create table t(n integer primary key, text);"
                    + " insert into t(text) values('one'); insert into t(text) values('two');"
                    + " begin; insert into t(text) values('three'); update t set text = 'ONE' where n = 1; commit;"
                    + " delete from t where n = 2; select group_concat(text) from t; pragma integrity_check;";

            String plain = sqlite(mounted.scratch(), script);
            String inMount = sqlite(mounted.dir(), script);

            assertThat(plain).isEqualTo(journalMode + "\nONE,three\nok\n");
            assertThat(inMount).as("the same script in the mount").isEqualTo(plain);
            mounted.unmount();
            assertThat(sqlite(mounted.dir(), "select group_concat(text) from t;"))
                    .as("the database in the directory after unmount").isEqualTo("ONE,three\n");
        }
    }

    private static String sqlite(Path dir, String script) {
        return Run.of(List.of("sqlite3", "test.db", script), dir, Map.of(), TIMEOUT).ok().out();
    }
}
