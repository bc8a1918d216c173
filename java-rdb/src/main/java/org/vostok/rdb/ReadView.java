package org.vostok.rdb;

import org.vostok.rdb.store.TreeReader;

/** A transaction's read epoch: the reader at it, and the pin that keeps aggregation from passing it. */
record ReadView(TreeReader reader, ReadPins.Pin pin) {
}
