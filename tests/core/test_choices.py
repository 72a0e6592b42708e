"""get_<field>_display() reads labels translated once per language: the same text as Django's own."""

from django.utils import translation

from customers.models import CustomerRelationship, Subscription


def test_labels_follow_the_active_language_once_both_were_read():
    subscription = Subscription(status=Subscription.Status.SUSPENDED)

    with translation.override("en"):
        english = subscription.get_status_display()
    with translation.override("fr"):
        french = subscription.get_status_display()
    with translation.override("en"):
        english_again = subscription.get_status_display()

    assert english == english_again == "Suspended"
    assert french == "Suspendu"


def test_a_value_outside_the_choices_shows_as_itself():
    assert Subscription(status="archived").get_status_display() == "archived"
    assert CustomerRelationship(kind=None).get_kind_display() is None


def test_the_label_is_djangos_for_every_choice():
    for value, label in CustomerRelationship.Kind.choices:
        with translation.override("fr"):
            assert CustomerRelationship(kind=value).get_kind_display() == str(label)
