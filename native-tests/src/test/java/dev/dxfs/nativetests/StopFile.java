package dev.dxfs.nativetests;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The file whose appearance tells the test programs' readers that the writers are done. */
final class StopFile {
    private StopFile() {}

    static void create(Path file) {
        Unchecked.run(() -> {
            try {
                Files.createFile(file);
            } catch (FileAlreadyExistsException e) {
                // Already told.
            }
        });
    }
}
