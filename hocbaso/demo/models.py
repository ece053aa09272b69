"""The mark on demo data: a school the demo built, so that the demo never runs over real schools."""

from django.db import models


class DemoSchool(models.Model):
    """A school that ``demo_build`` made (its code is the demo's, its accounts share a published password). Every
    other school is real, and the demo refuses to run on a database that holds one (``demo.guard``)."""

    school = models.OneToOneField("directory.School", on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "trường mẫu"
