"""tests/pagecheck.py finds what a browser hides: a nested form, a duplicate id, a control without a label."""

from tests.pagecheck import page_problems


def page(body: str) -> str:
    return f"<!doctype html><html lang='en'><head><title>t</title></head><body>{body}</body></html>"


GOOD = page(
    """
    <form method="post"><label for="id_name">Name</label><input id="id_name" name="name">
      <label>Country <select name="country"><option>FR</option></select></label>
      <textarea name="note" aria-label="Note"></textarea>
      <span id="qty-label">Quantity</span><input type="number" name="qty" aria-labelledby="qty-label">
      <input type="search" name="q" title="Search">
      <input type="hidden" name="csrfmiddlewaretoken" value="x"><button type="submit">Save</button>
      <button type="submit" form="cancel">Cancel</button>
    </form>
    <form id="cancel" method="post" hidden></form>
    """
)


def test_a_good_page_passes():
    assert page_problems(GOOD) == []
    assert page_problems(GOOD.encode()) == []


def test_a_form_nested_in_another_fails():
    body = page('<form method="post"><input type="checkbox" id="c"><label for="c">Agree</label>'
                '<form method="post" action="/cancel/"><button>Cancel</button></form></form>')  # fmt: skip
    assert page_problems(body) == [
        "line 1: a <form> inside another <form> (the browser drops it; its buttons submit the outer form)"
    ]


def test_a_duplicate_id_fails():
    assert page_problems(page('<p id="help">a</p><p id="help">b</p>')) == ["id 'help' is used 2 times"]


def test_controls_without_a_label_fail():
    body = page(
        '<input name="q"><select id="id_country" name="country"></select><textarea name="t"></textarea>'
        '<label for="other">x</label><input type="email" id="id_email" name="email" aria-label="  ">'
        '<input type="text" name="n" aria-labelledby="nowhere">'
    )
    assert page_problems(body) == [
        '<input name="q"> has no label',
        '<select name="country" id="id_country"> has no label',
        '<textarea name="t"> has no label',
        '<input type="email" name="email" id="id_email"> has no label',
        '<input type="text" name="n"> has no label',
    ]


def test_a_repeated_attribute_fails():
    assert page_problems(page('<p class="a" class="b">x</p>')) == ["line 1: an element repeats an attribute"]
