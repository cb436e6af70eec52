"""The run store: run folders, their status, the processes they name, the catalog, caches, uploads."""
