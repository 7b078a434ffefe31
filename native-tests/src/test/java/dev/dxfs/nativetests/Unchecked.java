package dev.dxfs.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A test's call that does I/O or waits, run where checked exceptions cannot go (in a lambda, or
 * in a helper a test calls within an expression): an I/O error stays one, unchecked, and an
 * interrupt fails the test. The interrupt status is set again first, so that the cleanup after
 * the failure does not wait for long either.
 */
final class Unchecked {
    private Unchecked() {}

    /** A call that answers a value. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    /** A call done for its effect alone. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException, InterruptedException;
    }

    static <T> T call(Call<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static void run(Action action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
