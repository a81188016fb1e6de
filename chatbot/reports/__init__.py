"""Reports for staff: what citizens asked, what was answered, what was not, and drafts of what to write next.

Building, grouping and rendering are pure; `run` does the reading and writing.
"""
