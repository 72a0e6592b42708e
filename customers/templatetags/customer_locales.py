"""{{ profile.culture|culture_name }} · {{ profile.language|language_name }}"""

from django import template

from customers.locales import culture_name, language_name

register = template.Library()
register.filter("culture_name", culture_name)
register.filter("language_name", language_name)
