package dev.dxfs.policy;

import static dev.dxfs.policy.WriteState.Action.DISCARD;
import static dev.dxfs.policy.WriteState.Action.FAIL;
import static dev.dxfs.policy.WriteState.Action.NOTHING;
import static dev.dxfs.policy.WriteState.Action.PUBLISH;
import static dev.dxfs.policy.WriteState.Phase.CLEAN;
import static dev.dxfs.policy.WriteState.Phase.CLOSED;
import static dev.dxfs.policy.WriteState.Phase.DIRTY;
import static dev.dxfs.policy.WriteState.Phase.FAILED;
import static dev.dxfs.policy.WriteState.Phase.PUBLISHED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dxfs.policy.WriteState.Action;
import dev.dxfs.policy.WriteState.Phase;
import dev.dxfs.testsupport.RandomSequences;
import dev.dxfs.testsupport.Weighted;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WriteStateTest {
    private static WriteState rewrite() {
        return WriteState.opened(WriteKind.REWRITE);
    }

    private static WriteState edit() {
        return WriteState.opened(WriteKind.EDIT);
    }

    // ---- opening ----

    @Test
    void rewriteOpensDirtyBecauseItsEmptyTempFileIsAlreadyAChange() {
        WriteState state = rewrite();

        assertThat(state.phase()).isEqualTo(DIRTY);
        assertThat(state.orphaned()).isFalse();
        assertThat(state.publications()).isZero();
    }

    @Test
    void editOpensCleanWithoutATempFile() {
        WriteState state = edit();

        assertThat(state.phase()).isEqualTo(CLEAN);
        assertThat(state.orphaned()).isFalse();
        assertThat(state.publications()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = WriteKind.class, names = {"READ", "APPEND", "UNSTAGED"})
    void unstagedKindsCannotBeOpened(WriteKind kind) {
        assertThatThrownBy(() -> WriteState.opened(kind))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(kind.name());
    }

    // ---- changes ----

    @Test
    void rewriteWritesIntoTheTempFileCreatedAtOpen() {
        WriteState state = rewrite();

        assertThat(state.beforeChange()).isFalse();
        assertThat(state.beforeChange()).isFalse();
        assertThat(state.phase()).isEqualTo(DIRTY);
    }

    @Test
    void editNeedsATempFileForItsFirstChangeOnly() {
        WriteState state = edit();

        assertThat(state.beforeChange()).isTrue();
        assertThat(state.phase()).isEqualTo(DIRTY);
        assertThat(state.beforeChange()).isFalse();
        assertThat(state.beforeChange()).isFalse();
    }

    @Test
    void writeAfterAPublishNeedsANewTempFile() {
        WriteState state = rewrite();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);

        assertThat(state.beforeChange()).isTrue();
        assertThat(state.phase()).isEqualTo(DIRTY);
        assertThat(state.beforeChange()).isFalse();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);
        assertThat(state.publications()).isEqualTo(2);
    }

    // ---- closes, early publishes and release ----

    // A shell's "cmd > f" closes its first descriptor of f before cmd writes a byte.
    @Test
    void aCloseOfOneDescriptorPublishesNothing() {
        WriteState state = rewrite();

        assertThat(state.flush()).isEqualTo(NOTHING);
        state.beforeChange();
        assertThat(state.flush()).isEqualTo(NOTHING);
        assertThat(state.phase()).isEqualTo(DIRTY);
        assertThat(state.publications()).isZero();
    }

    @Test
    void rewriteWithoutWritesPublishesTheEmptyFileAtRelease() {
        WriteState state = rewrite();

        assertThat(state.release(false)).isEqualTo(PUBLISH);
        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications()).isEqualTo(1);
    }

    @Test
    void editWithoutChangesNeverPublishes() {
        WriteState state = edit();

        assertThat(state.flush()).isEqualTo(NOTHING);
        assertThat(state.phase()).isEqualTo(CLEAN);
        assertThat(state.publishNow()).isEqualTo(NOTHING);
        assertThat(state.release(false)).isEqualTo(NOTHING);
        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications()).isZero();
    }

    @Test
    void publishNowTwicePublishesOnce() {
        WriteState state = edit();
        state.beforeChange();

        assertThat(state.publishNow()).isEqualTo(PUBLISH);
        assertThat(state.publishNow()).isEqualTo(NOTHING);
        assertThat(state.phase()).isEqualTo(PUBLISHED);
        assertThat(state.release(false)).isEqualTo(NOTHING);
        assertThat(state.publications()).isEqualTo(1);
    }

    @Test
    void releasePublishesTheChanges() {
        WriteState state = edit();
        state.beforeChange();

        assertThat(state.release(false)).isEqualTo(PUBLISH);
        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications()).isEqualTo(1);
    }

    @Test
    void releasePublishesAChangeMadeAfterAnEarlyPublish() {
        WriteState state = rewrite();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);
        state.beforeChange();

        assertThat(state.release(false)).isEqualTo(PUBLISH);
        assertThat(state.publications()).isEqualTo(2);
    }

    @Test
    void aKilledWritersReleaseDiscardsWhatIsUnpublished() {
        WriteState state = edit();
        state.beforeChange();

        assertThat(state.release(true)).isEqualTo(DISCARD);
        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications()).isZero();
    }

    // What the writer published before it was killed (a rename while writing) stays published.
    @Test
    void aKilledWriterWithNothingUnpublishedReleasesWithNothingToDo() {
        WriteState state = rewrite();
        state.publishNow();

        assertThat(state.release(true)).isEqualTo(NOTHING);
        assertThat(state.publications()).isEqualTo(1);
    }

    @Test
    void nothingHappensAfterRelease() {
        WriteState state = edit();
        state.beforeChange();
        state.release(false);

        assertThatThrownBy(() -> state.release(false)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(state::flush).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(state::publishNow).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(state::beforeChange).isInstanceOf(IllegalStateException.class);
        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications()).isEqualTo(1);
    }

    // The name can be unlinked while the last close is under way.
    @Test
    void orphanAfterReleaseIsHarmless() {
        WriteState state = rewrite();
        state.release(false);

        assertThatCode(state::orphan).doesNotThrowAnyException();
        assertThat(state.phase()).isEqualTo(CLOSED);
    }

    // ---- orphaned handles ----

    @Test
    void orphanedHandleKeepsWritingButNeverPublishesAndDiscardsAtRelease() {
        WriteState state = edit();
        state.beforeChange();
        state.orphan();

        assertThat(state.orphaned()).isTrue();
        assertThat(state.publishNow()).isEqualTo(NOTHING);
        assertThat(state.beforeChange()).isFalse();
        assertThat(state.flush()).isEqualTo(NOTHING);
        assertThat(state.phase()).isEqualTo(DIRTY);
        assertThat(state.release(false)).isEqualTo(DISCARD);
        assertThat(state.publications()).isZero();
    }

    @Test
    void orphanedRewriteWithoutWritesIsDiscarded() {
        WriteState state = rewrite();
        state.orphan();

        assertThat(state.flush()).isEqualTo(NOTHING);
        assertThat(state.release(false)).isEqualTo(DISCARD);
    }

    @Test
    void orphanedAfterAPublishTheNextChangeGetsATempThatIsDiscarded() {
        WriteState state = rewrite();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);
        state.orphan();

        assertThat(state.beforeChange()).isTrue();
        assertThat(state.publishNow()).isEqualTo(NOTHING);
        assertThat(state.release(false)).isEqualTo(DISCARD);
        assertThat(state.publications()).isEqualTo(1);
    }

    // The published temp file was renamed into place, so there is nothing left to discard.
    @Test
    void orphanedWithNothingUnpublishedReleasesWithNothingToDo() {
        WriteState published = rewrite();
        published.publishNow();
        published.orphan();
        WriteState clean = edit();
        clean.orphan();

        assertThat(published.release(false)).isEqualTo(NOTHING);
        assertThat(clean.release(false)).isEqualTo(NOTHING);
    }

    // ---- failed publication ----

    @Test
    void aFailedEarlyPublishLeavesTheChangesForTheNextPublish() {
        WriteState state = edit();
        state.beforeChange();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);

        state.publishFailed();

        assertThat(state.phase()).isEqualTo(DIRTY);
        assertThat(state.publications()).isZero();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);
        assertThat(state.publications()).isEqualTo(1);
    }

    // The temp file was not renamed, so it still holds the changes and more writes go to it.
    @Test
    void afterAFailedPublishWritesKeepTheSameTempFile() {
        WriteState state = rewrite();
        state.publishNow();
        state.publishFailed();

        assertThat(state.beforeChange()).isFalse();
    }

    @Test
    void afterAFailedEarlyPublishReleasePublishes() {
        WriteState state = rewrite();
        state.publishNow();
        state.publishFailed();

        assertThat(state.release(false)).isEqualTo(PUBLISH);
        assertThat(state.publications()).isEqualTo(1);
    }

    @Test
    void afterAFailedPublishAnOrphanedHandleDiscards() {
        WriteState state = rewrite();
        state.publishNow();
        state.publishFailed();
        state.orphan();

        assertThat(state.flush()).isEqualTo(NOTHING);
        assertThat(state.release(false)).isEqualTo(DISCARD);
        assertThat(state.publications()).isZero();
    }

    @Test
    void aFailedPublishAtReleaseLeavesTheHandleClosed() {
        WriteState state = edit();
        state.beforeChange();
        assertThat(state.release(false)).isEqualTo(PUBLISH);

        state.publishFailed();

        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications()).isZero();
        assertThatThrownBy(() -> state.release(false)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(state::flush).isInstanceOf(IllegalStateException.class);
    }

    // ---- failed changes ----

    @Test
    void aFailedWriteIsReportedByEveryCloseAndNeverPublished() {
        WriteState state = rewrite();
        state.beforeChange();

        state.changeFailed();

        assertThat(state.phase()).isEqualTo(FAILED);
        assertThat(state.flush()).isEqualTo(FAIL);
        assertThat(state.flush()).isEqualTo(FAIL);
        assertThat(state.release(false)).isEqualTo(DISCARD);
        assertThat(state.publications()).isZero();
    }

    @Test
    void afterAFailedWriteNoChangeIsAccepted() {
        WriteState state = edit();
        state.changeFailed();

        assertThat(state.needsNewTemp()).isFalse();
        assertThatThrownBy(state::beforeChange).isInstanceOf(IllegalStateException.class);
    }

    // What was published before the failure stays published; only the broken version is dropped.
    @Test
    void aFailedWriteAfterAPublishKeepsThatPublication() {
        WriteState state = rewrite();
        assertThat(state.publishNow()).isEqualTo(PUBLISH);
        state.beforeChange();

        state.changeFailed();

        assertThat(state.flush()).isEqualTo(FAIL);
        assertThat(state.publishNow()).isEqualTo(FAIL);
        assertThat(state.release(false)).isEqualTo(DISCARD);
        assertThat(state.publications()).isEqualTo(1);
    }

    // ---- model-based properties ----

    /**
     * The handle and a reference model of it, driven together. The model states the rules
     * directly: a temp file exists and holds unpublished content, or it does not; a close of one
     * descriptor never publishes; an early publish and the release publish iff there is
     * unpublished content and the handle is not orphaned (nor, for the release, killed).
     */
    static final class Harness {
        final WriteState state;
        final WriteKind kind;
        boolean unpublishedTemp;
        boolean changedSincePublish;
        boolean orphaned;
        boolean failed;
        boolean closed;
        int publications;

        Harness(WriteKind kind) {
            this.kind = kind;
            this.state = WriteState.opened(kind);
            // a rewrite's empty temp file replaces the content even if nothing is written
            unpublishedTemp = kind == WriteKind.REWRITE;
            changedSincePublish = kind == WriteKind.REWRITE;
        }

        void beforeChange() {
            if (closed || failed) {
                assertThatThrownBy(state::beforeChange).isInstanceOf(IllegalStateException.class);
                return;
            }
            assertThat(state.beforeChange()).as("needs a new temp").isEqualTo(!unpublishedTemp);
            unpublishedTemp = true;
            changedSincePublish = true;
        }

        void orphan() {
            state.orphan();
            orphaned = true;
        }

        void changeFails() {
            if (closed) {
                assertThatThrownBy(state::changeFailed).isInstanceOf(IllegalStateException.class);
                return;
            }
            state.changeFailed();
            failed = true;
        }

        void flush() {
            if (closed) {
                assertThatThrownBy(state::flush).isInstanceOf(IllegalStateException.class);
                return;
            }
            assertThat(state.flush()).as("flush").isEqualTo(failed ? FAIL : NOTHING);
        }

        void publishNow(boolean publishFails) {
            if (closed) {
                assertThatThrownBy(state::publishNow).isInstanceOf(IllegalStateException.class);
                return;
            }
            Action action = state.publishNow();
            Action expected = failed ? FAIL : changedSincePublish && !orphaned ? PUBLISH : NOTHING;
            assertThat(action).as("publish now").isEqualTo(expected);
            if (action == PUBLISH) {
                settlePublication(publishFails);
            }
        }

        void release(boolean killed, boolean publishFails) {
            if (closed) {
                assertThatThrownBy(() -> state.release(killed)).isInstanceOf(IllegalStateException.class);
                return;
            }
            Action action = state.release(killed);
            closed = true;
            Action expected = failed || changedSincePublish && (orphaned || killed) ? DISCARD
                    : changedSincePublish ? PUBLISH : NOTHING;
            assertThat(action).as("release").isEqualTo(expected);
            if (action == PUBLISH) {
                settlePublication(publishFails);
            }
        }

        private void settlePublication(boolean fails) {
            if (fails) {
                state.publishFailed();
            } else {
                publications++;
                unpublishedTemp = false;
                changedSincePublish = false;
            }
        }

        void checkInvariants() {
            assertThat(state.publications()).as("publications").isEqualTo(publications);
            assertThat(state.orphaned()).as("orphaned").isEqualTo(orphaned);
            Phase expected = closed
                    ? CLOSED
                    : failed ? FAILED
                    : changedSincePublish ? DIRTY : publications > 0 ? PUBLISHED : CLEAN;
            assertThat(state.phase()).as("phase").isEqualTo(expected);
        }

        @Override
        public String toString() {
            return kind + " " + state.phase() + (orphaned ? " orphaned" : "") + " published " + publications;
        }
    }

    /** One step of a handle's life, named for the shrunk sequence a failure shows. */
    record Step(String name, Consumer<Harness> action) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Weighted<Step> STEPS = new Weighted<Step>()
            .or(6, new Step("beforeChange", Harness::beforeChange))
            .or(3, new Step("flush", Harness::flush))
            .or(2, new Step("publish now", h -> h.publishNow(false)))
            .or(1, new Step("publish now fails", h -> h.publishNow(true)))
            .or(1, new Step("orphan", Harness::orphan))
            .or(1, new Step("a change fails", Harness::changeFails))
            .or(1, new Step("release", h -> h.release(false, false)))
            .or(1, new Step("release of a killed writer", h -> h.release(true, false)))
            .or(1, new Step("release, publish fails", h -> h.release(false, true)));

    private static final List<WriteKind> STAGED_KINDS = List.of(WriteKind.REWRITE, WriteKind.EDIT);

    // 2,000 lives of 40 steps each; the model is checked after every step.
    @Test
    void behavesLikeTheReferenceModel() {
        RandomSequences.of(random -> Weighted.oneOf(random, STAGED_KINDS), (random, kind) -> {
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                steps.add(STEPS.pick(random));
            }
            return steps;
        }).tries(2000).check((kind, steps) -> {
            Harness harness = new Harness(kind);
            for (Step step : steps) {
                step.action().accept(harness);
                harness.checkInvariants();
            }
        });
    }

    enum Op {
        CHANGE,
        FLUSH,
        PUBLISH_NOW,
        PUBLISH_NOW_FAILING,
        ORPHAN
    }

    // Direct statements of the Javadoc's promises, without a model: a close of one descriptor
    // never publishes, no temp file is published twice, an orphaned handle never publishes, and
    // only release discards.
    @Test
    void closesPublishEachTempFileOnceAndOrphansNever() {
        record Setup(WriteKind kind, boolean killed, boolean releaseFails) {}
        List<Op> allOps = List.of(Op.values());
        // 2,000 cases of up to 30 operations.
        RandomSequences.of(random -> new Setup(Weighted.oneOf(random, STAGED_KINDS), random.nextBoolean(),
                        random.nextBoolean()),
                (random, setup) -> {
                    List<Op> ops = new ArrayList<>();
                    for (int n = random.nextInt(31); n > 0; n--) {
                        ops.add(Weighted.oneOf(random, allOps));
                    }
                    return ops;
                }).tries(2000).check((setup, ops) -> runAndRelease(setup.kind(), ops, setup.killed(), setup.releaseFails()));
    }

    private static void runAndRelease(WriteKind kind, List<Op> ops, boolean killed, boolean releaseFails) {
        WriteState state = WriteState.opened(kind);
        boolean freshContentSincePublish = kind == WriteKind.REWRITE;
        boolean orphaned = false;
        for (Op op : ops) {
            switch (op) {
                case CHANGE -> {
                    state.beforeChange();
                    freshContentSincePublish = true;
                }
                case ORPHAN -> {
                    state.orphan();
                    orphaned = true;
                }
                case FLUSH -> assertThat(state.flush()).isEqualTo(NOTHING);
                case PUBLISH_NOW, PUBLISH_NOW_FAILING -> {
                    Action action = state.publishNow();
                    assertThat(action).isNotEqualTo(DISCARD);
                    if (action == PUBLISH) {
                        assertThat(orphaned).as("orphaned handle published").isFalse();
                        assertThat(freshContentSincePublish).as("published the same temp twice").isTrue();
                        if (op == Op.PUBLISH_NOW_FAILING) {
                            state.publishFailed();
                        } else {
                            freshContentSincePublish = false;
                        }
                    }
                }
            }
        }
        int publishedBeforeRelease = state.publications();

        Action last = state.release(killed);

        assertThat(last == PUBLISH).isEqualTo(freshContentSincePublish && !orphaned && !killed);
        assertThat(last == DISCARD).isEqualTo(freshContentSincePublish && (orphaned || killed));
        if (releaseFails && last == PUBLISH) {
            state.publishFailed();
        }
        assertThat(state.phase()).isEqualTo(CLOSED);
        assertThat(state.publications())
                .isEqualTo(publishedBeforeRelease + (last == PUBLISH && !releaseFails ? 1 : 0));
        assertThatThrownBy(() -> state.release(false)).isInstanceOf(IllegalStateException.class);
    }
}
