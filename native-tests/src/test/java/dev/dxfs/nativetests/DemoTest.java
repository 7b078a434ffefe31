package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The main job, end to end: {@code ./dxfs demo} runs the dx serve race of the seed issue on a
 * plain directory and then under a dxfs mount. The plain run must show the failures the users
 * reported, and the mount none.
 */
class DemoTest {
    private static final Duration DEMO_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern OK_ROW = Pattern.compile("(?m)^\\s+ok\\s+(\\d+)\\s+(\\d+)$");

    @Test
    void theRaceFailsOnAPlainDirectoryAndNeverUnderTheMount() {
        Dxfs.clearStaleMounts();
        Run demo = Dxfs.run(DEMO_TIMEOUT, "demo", "--work-dir", Dxfs.WORK.resolve("demo").toString());

        assertThat(demo.exit()).as("%s", demo).isZero();
        assertThat(demo.out()).contains("dxfs mount: all 90 rounds ok.");
        Matcher ok = OK_ROW.matcher(demo.out());
        assertThat(ok.find()).as("the tally in %s", demo.out()).isTrue();
        assertThat(Integer.parseInt(ok.group(1))).as("rounds ok on the plain directory").isLessThan(90);
        assertThat(Integer.parseInt(ok.group(2))).as("rounds ok under the mount").isEqualTo(90);
    }
}
