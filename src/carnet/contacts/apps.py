from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "carnet.contacts"
    label = "contacts"
    verbose_name = "Contacts"
