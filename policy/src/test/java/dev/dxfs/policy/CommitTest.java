package dev.dxfs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dxfs.policy.Commit.Attributes;
import dev.dxfs.policy.Commit.Request;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommitTest {
    private static final Attributes EXPLICIT = new Attributes(0640, 2001, 2002);
    private static final Attributes REPLACED = new Attributes(0100755, 1001, 1002);
    private static final Attributes CREATED = new Attributes(0644, 3001, 3002);
    /** A writer in none of the files' groups. */
    private static final IntPredicate NO_GROUP = gid -> false;

    /** Records every step so that tests can check both the order and the arguments. */
    private static final class RecordingSteps implements Commit.Steps {
        final List<String> calls = new ArrayList<>();
        final Set<String> failing = new HashSet<>();
        final Attributes replaced;

        RecordingSteps(Attributes replaced) {
            this.replaced = replaced;
        }

        RecordingSteps failing(String step) {
            failing.add(step);
            return this;
        }

        private void record(String call, String step) throws IOException {
            calls.add(call);
            if (failing.contains(step)) {
                throw new IOException(step + " failed");
            }
        }

        @Override
        public Attributes replaced() throws IOException {
            record("replaced", "replaced");
            return replaced;
        }

        @Override
        public void applyMode(int mode) throws IOException {
            record("applyMode " + Integer.toOctalString(mode), "applyMode");
        }

        @Override
        public void keepExtendedAttributes() throws IOException {
            record("keepExtendedAttributes", "keepExtendedAttributes");
        }

        @Override
        public void applyOwner(int uid, int gid) throws IOException {
            record("applyOwner " + uid + ":" + gid, "applyOwner");
        }

        @Override
        public void syncTemp() throws IOException {
            record("syncTemp", "syncTemp");
        }

        @Override
        public void replaceTarget() throws IOException {
            record("replaceTarget", "replaceTarget");
        }

        @Override
        public void syncDirectory() throws IOException {
            record("syncDirectory", "syncDirectory");
        }

        /** The calls other than the read of the replaced file's attributes. */
        List<String> effects() {
            return calls.stream().filter(c -> !c.equals("replaced")).toList();
        }
    }

    @Test
    void nonDurablePublishAppliesAttributesThenRenames() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Commit.publish(steps, new Request(null, CREATED, false, true, true, NO_GROUP));

        assertThat(steps.calls).containsExactly("replaced", "applyOwner 1001:1002", "keepExtendedAttributes", "applyMode 755", "replaceTarget");
    }

    @Test
    void durablePublishSyncsTempBeforeRenameAndDirectoryAfter() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP));

        assertThat(steps.effects())
                .containsExactly("applyOwner 1001:1002", "keepExtendedAttributes", "applyMode 755", "syncTemp", "replaceTarget",
                        "syncDirectory");
    }

    @Test
    void nonDurablePublishNeverSyncs() throws IOException {
        RecordingSteps steps = new RecordingSteps(null);

        Commit.publish(steps, new Request(EXPLICIT, CREATED, false, false, true, NO_GROUP));

        assertThat(steps.calls).doesNotContain("syncTemp", "syncDirectory").contains("replaceTarget");
    }

    @Test
    void attributesAreAppliedBeforeTheRenameSoThePublishedFileNeverHasTheTempMode() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP));

        int rename = steps.calls.indexOf("replaceTarget");
        assertThat(steps.calls.indexOf("applyMode 755")).isBetween(0, rename - 1);
        assertThat(steps.calls.indexOf("applyOwner 1001:1002")).isBetween(0, rename - 1);
    }

    @Test
    void explicitAttributesBeatThoseOfTheReplacedFile() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Attributes published = Commit.publish(steps, new Request(EXPLICIT, CREATED, false, true, true, NO_GROUP));

        assertThat(steps.effects())
                .containsExactly("applyOwner 2001:2002", "keepExtendedAttributes", "applyMode 640", "replaceTarget");
        assertThat(published).isEqualTo(EXPLICIT);
    }

    @Test
    void explicitAttributesBeatTheCreatedOnes() throws IOException {
        RecordingSteps steps = new RecordingSteps(null);

        Attributes published = Commit.publish(steps, new Request(EXPLICIT, CREATED, false, true, true, NO_GROUP));

        assertThat(steps.effects()).containsExactly("applyOwner 2001:2002", "applyMode 640", "replaceTarget");
        assertThat(published).isEqualTo(EXPLICIT);
    }

    @Test
    void replacedAttributesBeatTheCreatedOnes() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Attributes published = Commit.publish(steps, new Request(null, CREATED, false, true, true, NO_GROUP));

        assertThat(steps.effects())
                .containsExactly("applyOwner 1001:1002", "keepExtendedAttributes", "applyMode 755", "replaceTarget");
        assertThat(published.uid()).isEqualTo(1001);
        assertThat(published.gid()).isEqualTo(1002);
        assertThat(published.mode() & 07777).isEqualTo(0755);
    }

    // The kernel clears setuid and setgid when anyone but root writes a file; a rewrite by rename
    // must not hand a privileged program's bits to another writer's content.
    @ParameterizedTest
    @CsvSource({"true, 6755", "false, 755"})
    void setIdBitsOfTheReplacedFileSurviveOnlyAPrivilegedWriter(boolean keepSetId, String appliedMode)
            throws IOException {
        RecordingSteps steps = new RecordingSteps(new Attributes(0106755, 0, 0));

        Commit.publish(steps, new Request(null, CREATED, false, false, keepSetId, NO_GROUP));

        assertThat(steps.effects()).containsExactly("keepExtendedAttributes", "applyMode " + appliedMode, "replaceTarget");
    }

    // As the kernel's setattr_should_drop_suidgid: an unprivileged writer keeps a setgid bit only
    // where it marks no program (no group execute) and the writer is in the file's group.
    @ParameterizedTest
    @CsvSource({"102664, true, 2664", "102664, false, 664", "102775, true, 775", "106644, true, 2644"})
    void anUnprivilegedWriterKeepsOnlyASetgidBitThatMarksNoProgramOfItsOwnGroup(int mode, boolean inGroup,
            String appliedMode) throws IOException {
        RecordingSteps steps = new RecordingSteps(new Attributes(Integer.parseInt(String.valueOf(mode), 8), 0, 1002));

        Commit.publish(steps, new Request(null, CREATED, false, false, false, gid -> inGroup && gid == 1002));

        assertThat(steps.effects()).containsExactly("keepExtendedAttributes", "applyMode " + appliedMode, "replaceTarget");
    }

    @Test
    void anExplicitSetIdModeIsTheWritersOwnChoice() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Commit.publish(steps, new Request(new Attributes(04711, -1, -1), CREATED, false, false, false, NO_GROUP));

        assertThat(steps.effects()).containsExactly("keepExtendedAttributes", "applyMode 4711", "replaceTarget");
    }

    @Test
    void createdAttributesAreUsedWhenNothingIsReplaced() throws IOException {
        RecordingSteps steps = new RecordingSteps(null);

        Attributes published = Commit.publish(steps, new Request(null, CREATED, false, true, true, NO_GROUP));

        assertThat(steps.effects()).containsExactly("applyOwner 3001:3002", "applyMode 644", "replaceTarget");
        assertThat(published).isEqualTo(CREATED);
    }

    // A chmod through the handle without a chown (or the reverse) sets only some fields; the
    // others must come from the file that would have been used without any explicit change.
    @ParameterizedTest
    @CsvSource({
        // explicit mode, uid, gid -> applied mode, owner; replaced file is 0755 1001:1002
        "0600, -1, -1, 600, 1001:1002",
        "  -1, 7, -1, 755, 7:1002",
        "  -1, -1, 8, 755, 1001:8",
        "  -1, -1, -1, 755, 1001:1002",
        "0711, 7, 8, 711, 7:8",
    })
    void partlyExplicitAttributesKeepTheRestFromTheReplacedFile(
            String mode, int uid, int gid, String appliedMode, String appliedOwner) throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);
        Attributes explicit = new Attributes(Integer.decode(mode), uid, gid);

        Commit.publish(steps, new Request(explicit, CREATED, false, true, true, NO_GROUP));

        assertThat(steps.effects())
                .containsExactly("applyOwner " + appliedOwner, "keepExtendedAttributes", "applyMode " + appliedMode, "replaceTarget");
    }

    @Test
    void partlyExplicitAttributesKeepTheRestFromTheCreatedOnesWhenNothingIsReplaced() throws IOException {
        RecordingSteps steps = new RecordingSteps(null);

        Attributes published = Commit.publish(steps, new Request(new Attributes(-1, 7, -1), CREATED, false, true, true, NO_GROUP));

        assertThat(steps.effects()).containsExactly("applyOwner 7:3002", "applyMode 644", "replaceTarget");
        assertThat(published).isEqualTo(new Attributes(0644, 7, 3002));
    }

    @ParameterizedTest
    @CsvSource({
        // st_mode of a regular file carries the file type; only permission bits may be applied
        "0100644, 644",
        "0104755, 4755",
        "0102755, 2755",
        "0101777, 1777",
        "07777, 7777",
        "0170777, 777",
        "0, 0",
    })
    void modeIsMaskedToPermissionBits(String given, String applied) throws IOException {
        int mode = Integer.parseInt(given, 8);

        RecordingSteps fromReplaced = new RecordingSteps(new Attributes(mode, 1, 1));
        Commit.publish(fromReplaced, new Request(null, CREATED, false, false, true, NO_GROUP));
        RecordingSteps fromExplicit = new RecordingSteps(REPLACED);
        Commit.publish(fromExplicit, new Request(new Attributes(mode, 1, 1), CREATED, false, false, true, NO_GROUP));
        RecordingSteps fromCreated = new RecordingSteps(null);
        Commit.publish(fromCreated, new Request(null, new Attributes(mode, 1, 1), false, false, true, NO_GROUP));

        assertThat(fromReplaced.effects()).element(1).isEqualTo("applyMode " + applied);
        assertThat(fromExplicit.effects()).element(1).isEqualTo("applyMode " + applied);
        assertThat(fromCreated.effects()).first().isEqualTo("applyMode " + applied);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void withoutKeepOwnerTheOwnerIsNeverApplied(boolean durable) throws IOException {
        for (Attributes explicit : new Attributes[] {null, EXPLICIT, new Attributes(-1, 5, 6)}) {
            for (Attributes replaced : new Attributes[] {null, REPLACED}) {
                RecordingSteps steps = new RecordingSteps(replaced);

                Commit.publish(steps, new Request(explicit, CREATED, durable, false, true, NO_GROUP));

                assertThat(steps.calls)
                        .as("explicit %s, replaced %s", explicit, replaced)
                        .noneMatch(c -> c.startsWith("applyOwner"))
                        .contains("replaceTarget");
            }
        }
    }

    // A native O_TRUNC rewrite keeps the inode and with it every extended attribute and the ACL;
    // they go on the temp file after the owner and before the mode, which sets the ACL's mask.
    @Test
    void theReplacedFilesExtendedAttributesAreKeptAfterTheOwnerAndBeforeTheMode() throws IOException {
        RecordingSteps steps = new RecordingSteps(REPLACED);

        Commit.publish(steps, new Request(EXPLICIT, CREATED, true, true, false, NO_GROUP));

        assertThat(steps.effects()).containsExactly("applyOwner 2001:2002", "keepExtendedAttributes", "applyMode 640",
                "syncTemp", "replaceTarget", "syncDirectory");
    }

    // A new file keeps what it was created with: its directory's default ACL, as natively.
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aNewFileHasNoExtendedAttributesToKeep(boolean keepOwner) throws IOException {
        RecordingSteps steps = new RecordingSteps(null);

        Commit.publish(steps, new Request(null, CREATED, false, keepOwner, false, NO_GROUP));

        assertThat(steps.calls).doesNotContain("keepExtendedAttributes");
    }

    // The kernel removes file capabilities when anyone writes the file; everything else stays.
    @ParameterizedTest
    @CsvSource({
        "security.capability, false",
        "security.selinux, true",
        "security.ima, true",
        "system.posix_acl_access, true",
        "trusted.overlay.origin, true",
        "user.mime_type, true",
        "user.security.capability, true",
    })
    void everyAttributeButFileCapabilitiesIsKeptByARewrite(String name, boolean kept) {
        assertThat(Commit.keptByARewrite(name)).isEqualTo(kept);
    }

    @Test
    void failedRenamePropagatesAndTheDirectoryIsNotSynced() {
        RecordingSteps steps = new RecordingSteps(REPLACED).failing("replaceTarget");

        assertThatThrownBy(() -> Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP)))
                .isInstanceOf(IOException.class)
                .hasMessage("replaceTarget failed");
        assertThat(steps.effects())
                .containsExactly("applyOwner 1001:1002", "keepExtendedAttributes", "applyMode 755", "syncTemp", "replaceTarget");
    }

    // Renaming a temp file whose mode or owner could not be set would publish it with the temp
    // file's private attributes.
    @ParameterizedTest
    @ValueSource(strings = {"applyMode", "applyOwner", "keepExtendedAttributes"})
    void failedAttributeStepPropagatesAndNothingIsPublished(String failingStep) {
        RecordingSteps steps = new RecordingSteps(REPLACED).failing(failingStep);

        assertThatThrownBy(() -> Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP)))
                .isInstanceOf(IOException.class)
                .hasMessage(failingStep + " failed");
        assertThat(steps.calls).doesNotContain("syncTemp", "replaceTarget", "syncDirectory");
    }

    // A rename after a failed fsync could publish a file whose content is not on disk.
    @Test
    void failedTempSyncPropagatesAndNothingIsPublished() {
        RecordingSteps steps = new RecordingSteps(REPLACED).failing("syncTemp");

        assertThatThrownBy(() -> Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP)))
                .isInstanceOf(IOException.class)
                .hasMessage("syncTemp failed");
        assertThat(steps.calls).doesNotContain("replaceTarget", "syncDirectory");
    }

    @Test
    void failedReadOfTheReplacedFilePropagatesBeforeAnythingIsApplied() {
        RecordingSteps steps = new RecordingSteps(REPLACED).failing("replaced");

        assertThatThrownBy(() -> Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP)))
                .isInstanceOf(IOException.class)
                .hasMessage("replaced failed");
        assertThat(steps.effects()).isEmpty();
    }

    @Test
    void failedDirectorySyncPropagatesAfterTheRename() {
        RecordingSteps steps = new RecordingSteps(REPLACED).failing("syncDirectory");

        assertThatThrownBy(() -> Commit.publish(steps, new Request(null, CREATED, true, true, true, NO_GROUP)))
                .isInstanceOf(IOException.class)
                .hasMessage("syncDirectory failed");
        assertThat(steps.effects()).endsWith("replaceTarget", "syncDirectory");
    }
}
