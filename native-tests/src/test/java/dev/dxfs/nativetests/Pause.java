package dev.dxfs.nativetests;

/** A test's wait between polls: an interrupt ends the test instead of being swallowed. */
final class Pause {
    private Pause() {}

    static void of(long millis) {
        Unchecked.run(() -> Thread.sleep(millis));
    }
}
