"""Unit tests of sio_args (natively: python3 -m unittest discover -s guest-sdk-py)."""

import json
import unittest

from sio_args import decode, encode


class Encode(unittest.TestCase):
    def test_plain_values_are_a_json_array(self):
        text, bins = encode(("hi", 3, None, True, {"a": [1, 2]}))
        self.assertEqual(json.loads(text), ["hi", 3, None, True, {"a": [1, 2]}])
        self.assertEqual(bins, [])

    def test_no_arguments(self):
        self.assertEqual(encode(()), ("[]", []))

    def test_binaries_become_placeholders_in_order(self):
        text, bins = encode(({"name": "f", "data": b"\x01\x02"}, [bytearray(b"\x03")], memoryview(b"\x04")))
        self.assertEqual(
            json.loads(text),
            [
                {"name": "f", "data": {"_placeholder": True, "num": 0}},
                [{"_placeholder": True, "num": 1}],
                {"_placeholder": True, "num": 2},
            ],
        )
        self.assertEqual(bins, [b"\x01\x02", b"\x03", b"\x04"])
        self.assertTrue(all(type(b) is bytes for b in bins))

    def test_text_is_not_escaped(self):
        self.assertEqual(encode(("😀 中文",))[0], '["😀 中文"]')


class Decode(unittest.TestCase):
    def test_without_attachments_the_json_as_it_is(self):
        self.assertEqual(decode('["a", {"_placeholder": true, "num": 0}]', []), ["a", {"_placeholder": True, "num": 0}])

    def test_placeholders_are_replaced_where_they_are(self):
        args = decode('[{"x": {"_placeholder": true, "num": 1}}, [{"_placeholder": true, "num": 0}]]', [b"a", b"b"])
        self.assertEqual(args, [{"x": b"b"}, [b"a"]])

    def test_what_only_looks_like_a_placeholder_stays(self):
        text = '[{"_placeholder": true, "num": 5}, {"_placeholder": 1, "num": 0}, {"_placeholder": true, "num": "0"}]'
        self.assertEqual(decode(text, [b"a"]), json.loads(text))

    def test_round_trip(self):
        args = ["n", {"file": b"\x00\xff", "more": [b"", 1.5]}]
        self.assertEqual(decode(*encode(args)), args)

    def test_invalid_json_raises_value_error(self):
        with self.assertRaises(ValueError):
            decode("[", [])


if __name__ == "__main__":
    unittest.main()
