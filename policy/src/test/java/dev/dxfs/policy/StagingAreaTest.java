package dev.dxfs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StagingAreaTest {
    @Test
    void namesAreUniqueAcrossManyCalls() {
        StagingArea area = new StagingArea("mount", 42);
        Set<String> names = new HashSet<>();

        for (int i = 0; i < 100_000; i++) {
            names.add(area.nextTempName());
        }

        assertThat(names).hasSize(100_000);
    }

    // Two processes that share the staging directory may even have the same pid (containers).
    @Test
    void namesAreUniqueAcrossInstancesWithTheSameOwnerAndPid() {
        StagingArea first = new StagingArea("mount", 42);
        StagingArea second = new StagingArea("mount", 42);
        Set<String> names = new HashSet<>();

        for (int i = 0; i < 1_000; i++) {
            names.add(first.nextTempName());
            names.add(second.nextTempName());
        }

        assertThat(names).hasSize(2_000);
    }

    @Test
    void namesAreUniqueAcrossThreads() throws Exception {
        StagingArea area = new StagingArea("agent", 7);
        Set<String> names = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = IntStream.range(0, 8)
                    .<Future<?>>mapToObj(t -> pool.submit(() -> {
                        for (int i = 0; i < 10_000; i++) {
                            names.add(area.nextTempName());
                        }
                    }))
                    .toList();
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(names).hasSize(80_000);
    }

    // A slash would put the temp file outside the staging directory.
    @Test
    void namesArePlainFileNamesThatCarryOwnerAndPid() {
        String name = new StagingArea("mount", 1234).nextTempName();

        assertThat(name).startsWith("mount.1234.").endsWith(".tmp").doesNotContain("/");
    }

    @Test
    void leftoversAreRecognisedByOwnerKind() {
        StagingArea mount = new StagingArea("mount", 1);
        StagingArea otherMount = new StagingArea("mount", 2);
        StagingArea agent = new StagingArea("agent", 1);

        String mountName = mount.nextTempName();
        String otherMountName = otherMount.nextTempName();
        String agentName = agent.nextTempName();

        assertThat(mount.isLeftoverOfOwner(mountName)).isTrue();
        assertThat(mount.isLeftoverOfOwner(otherMountName)).isTrue();
        assertThat(mount.isLeftoverOfOwner(agentName)).isFalse();
        assertThat(agent.isLeftoverOfOwner(agentName)).isTrue();
        assertThat(agent.isLeftoverOfOwner(mountName)).isFalse();
        assertThat(agent.isLeftoverOfOwner(otherMountName)).isFalse();
    }

    @Test
    void anOwnerThatIsAPrefixOfAnotherDoesNotClaimItsFiles() {
        StagingArea mount = new StagingArea("mount", 1);
        StagingArea mounter = new StagingArea("mounter", 1);

        assertThat(mount.isLeftoverOfOwner(mounter.nextTempName())).isFalse();
        assertThat(mounter.isLeftoverOfOwner(mount.nextTempName())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mount", "mount.1.abc", "mount.1.abc.1.tmp.part", "mount.1.abc.1.tmpx", "notes.txt", ""})
    void namesThatAreNotTempFilesAreNotLeftovers(String name) {
        StagingArea mount = new StagingArea("mount", 1);

        assertThat(mount.isLeftoverOfOwner(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Mount", "mount1", "mo.unt", "mo/unt", "mount ", "../x", "агент"})
    void invalidOwnerIsRejected(String owner) {
        assertThatThrownBy(() -> new StagingArea(owner, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("owner must be lower-case letters")
                .hasMessageEndingWith(": " + owner);
    }

    @Test
    void theStagingDirectoryAndItsContentsAreInternal() {
        assertThat(StagingArea.DIRECTORY).isEqualTo(".dxfs");
        assertThat(StagingArea.isInternal(".dxfs")).isTrue();
        assertThat(StagingArea.isInternal(".dxfs/")).isTrue();
        assertThat(StagingArea.isInternal(".dxfs/mount.1.a.1.tmp")).isTrue();
        assertThat(StagingArea.isInternal(".dxfs/a/b")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".dxfsrc", ".dxfs.tmp", "dxfs", "a/.dxfs", "a/.dxfs/b", "x.dxfs"})
    void otherPathsAreNotInternal(String path) {
        assertThat(StagingArea.isInternal(path)).isFalse();
    }

    /** A tree "/" on device 1 holding "/a" on device 2, which holds "/a/b/c" (device 2) and "/a/m" (device 3). */
    private static final Map<String, Long> DEVICES = Map.of("/", 1L, "/x", 1L, "/a", 2L, "/a/b", 2L, "/a/b/c", 2L,
            "/a/m", 3L);

    private static String hostOf(String dir) {
        return StagingArea.hostOf(dir, d -> d.equals("/") ? null : parent(d), DEVICES::get);
    }

    private static String parent(String dir) {
        int slash = dir.lastIndexOf('/');
        return slash == 0 ? "/" : dir.substring(0, slash);
    }

    @Test
    void filesOnTheRootsFilesystemAreStagedAtTheRoot() {
        assertThat(hostOf("/")).isEqualTo("/");
        assertThat(hostOf("/x")).isEqualTo("/");
    }

    @Test
    void theRootIsItsOwnHostWithoutAskingItsDevice() {
        assertThat(StagingArea.hostOf("/", d -> null, d -> {
            throw new AssertionError("asked the device of " + d);
        })).isEqualTo("/");
    }

    @Test
    void filesOnAnotherFilesystemAreStagedAtItsTopmostDirectory() {
        assertThat(List.of(hostOf("/a"), hostOf("/a/b"), hostOf("/a/b/c"))).containsOnly("/a");
        assertThat(hostOf("/a/m")).isEqualTo("/a/m");
    }

    @Test
    void theCreatorOfATempFileIsInItsName() {
        String name = new StagingArea("agent", 4242).nextTempName();

        assertThat(StagingArea.creatorOf(name)).isEqualTo(4242);
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent.x.1a.1.tmp", "agent.12.1a.1.tmp.bak", "agent.12.tmp", "notes.txt", ""})
    void namesOfAnotherFormHaveNoCreator(String name) {
        assertThat(StagingArea.creatorOf(name)).isEqualTo(-1);
    }

    @Test
    void theStagingNamesAreDxfsThenNumbered() {
        assertThat(StagingArea.name(0)).isEqualTo(".dxfs");
        assertThat(StagingArea.name(1)).isEqualTo(".dxfs.1");
        assertThat(StagingArea.name(StagingArea.NAMES - 1)).isEqualTo(".dxfs.99");
        for (int i = 0; i < StagingArea.NAMES; i++) {
            assertThat(StagingArea.indexOf(StagingArea.name(i))).isEqualTo(i);
        }
        assertThatThrownBy(() -> StagingArea.name(StagingArea.NAMES)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {".dxfs.0", ".dxfs.01", ".dxfs.100", ".dxfs.", ".dxfs.a", ".dxfs.1.tmp", "dxfs", ".dxfsx", ""})
    void otherNamesAreNoStagingNames(String name) {
        assertThat(StagingArea.indexOf(name)).isEqualTo(-1);
    }

    // A user's own directory of that name is theirs whatever it holds; only the mode dxfs makes
    // its staging directories with, with the sticky bit, and the owner tell dxfs's own.
    @ParameterizedTest
    @CsvSource({
        "041700, 1000, true",
        "043700, 1000, true",
        "040700, 1000, false",
        "040755, 1000, false",
        "041755, 1000, false",
        "041777, 1000, false",
        "041700, 1001, false",
        "0101700, 1000, false",
        "0121700, 1000, false",
    })
    void onlyADirectoryOfOwnModeAndOwnerIsDxfss(String mode, int uid, boolean own) {
        assertThat(StagingArea.isOwn(Integer.parseInt(mode, 8), uid, 1000)).isEqualTo(own);
    }
}
