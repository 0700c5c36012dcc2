"""One event as a MongoDB document: its layout, its escaped keys, and BSON's order of values.

Below both the store (which writes and reads documents) and the filter language (whose live
predicate judges documents as MongoDB would), so neither reaches into the other for them.
"""
