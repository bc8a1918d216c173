package org.vostok.rdb.model;

/** Receives the records of an iteration in order; returning false stops it after this record. */
@FunctionalInterface
public interface KvsVisitor {
    boolean visit(KvsRecord record);
}
