from django.db import models


class SampleDocument(models.Model):
    """A sales document stand-in that forbids deleting its client."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT)
    number = models.CharField(max_length=20)

    def __str__(self) -> str:
        return self.number
