package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * stress-ng's filesystem stressors with --verify, on the mount and on a bindfs mount of an equal
 * directory in the same test: dxfs fails no stressor that bindfs passes. Each stressor runs for
 * a second (longer with -Ddxfs.stress.seconds=N).
 */
class StressNgTest {
    private static final int SECONDS = Integer.getInteger("dxfs.stress.seconds", 1);
    /** Stressors that do not work in the directory they are given, so they say nothing about it. */
    private static final Map<String, String> EXCLUDED = Map.of(
            "bind-mount", "bind-mounts / in a namespace of its own",
            "binderfs", "mounts a binderfs of its own",
            "procfs", "reads /proc");

    @Test
    void failsNoStressorThatPassesOnBindfs() {
        try (MountedDir mounted = MountedDir.create("stress-ng").mount();
                BindfsMount bindfs = BindfsMount.in(mounted.scratch())) {
            StressNgRun onDxfs = StressNgRun.in(mounted.dir(), SECONDS, EXCLUDED.keySet());
            StressNgRun onBindfs = StressNgRun.in(bindfs.dir(), SECONDS, EXCLUDED.keySet());
            System.out.printf("stress-ng, %d s a stressor: dxfs ran %d, failed %s (exit %d); bindfs ran %d, failed %s (exit %d)%n",
                    SECONDS, onDxfs.ran().size(), onDxfs.failed(), onDxfs.run().exit(), onBindfs.ran().size(),
                    onBindfs.failed(), onBindfs.run().exit());

            assertThat(onDxfs.completed()).as("stress-ng on dxfs:\n%s", onDxfs.output()).isTrue();
            assertThat(onBindfs.completed()).as("stress-ng on bindfs:\n%s", onBindfs.output()).isTrue();
            assertThat(onDxfs.ran()).as("stressors that ran on dxfs").hasSizeGreaterThan(30)
                    .containsAll(onBindfs.ran());
            assertThat(onDxfs.failed()).as("stressors failed on dxfs:\n%s", onDxfs.output())
                    .isSubsetOf(onBindfs.failed());
            assertThat(mounted.statusField("errors")).as("status: %s", mounted.status()).isZero();
        }
    }
}
