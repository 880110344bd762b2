"""Stories: articles of one real-world happening across outlets share a story id."""

from pipelines.stories.groups import GroupEvents
from pipelines.stories.transform import AssignStories

__all__ = ["AssignStories", "GroupEvents"]
