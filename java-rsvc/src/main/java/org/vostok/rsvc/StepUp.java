package org.vostok.rsvc;

/** What a service class found when its replica became leader ({@link RsvcClass#stepUp}). */
public enum StepUp {
    /** The database holds the service's state: the service takes requests. */
    UP,
    /** The database is not initialised (DAOS's DER_UNINIT): the service bootstraps it or waits. */
    UP_EMPTY
}
