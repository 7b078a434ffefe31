package dev.dxfs.demo;

import java.nio.file.Path;

/** Puts dxfs over a directory in place for the second half of the demo, and takes it off. */
public interface DemoMount {
    void mount(Path dir) throws Exception;

    void unmount(Path dir) throws Exception;
}
