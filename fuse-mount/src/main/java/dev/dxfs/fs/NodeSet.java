package dev.dxfs.fs;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The nodes of one name, or of one file's inode, in the {@link NodeTable}: nearly always one, a
 * few while walks of an executable or versions of a file overlap, so an array searched in turn.
 * The table holds two such sets per file the kernel knows, and a walk over many files makes the
 * collector copy every one of them out of the young generation: a hash set of one node was 176
 * bytes in four objects, this is 48 in two (docs/design.md, "Cost per request").
 */
final class NodeSet extends AbstractSet<Node> {
    private Node[] nodes = new Node[1];
    private int size;

    @Override
    public boolean add(Node node) {
        if (indexOf(node) >= 0) {
            return false;
        }
        if (size == nodes.length) {
            nodes = Arrays.copyOf(nodes, size * 2);
        }
        nodes[size++] = node;
        return true;
    }

    @Override
    public boolean remove(Object node) {
        int at = indexOf(node);
        if (at < 0) {
            return false;
        }
        nodes[at] = nodes[--size];
        nodes[size] = null;
        return true;
    }

    @Override
    public boolean contains(Object node) {
        return indexOf(node) >= 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Iterator<Node> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Node next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                return nodes[next++];
            }
        };
    }

    private int indexOf(Object node) {
        for (int i = 0; i < size; i++) {
            if (nodes[i] == node) {
                return i;
            }
        }
        return -1;
    }
}
