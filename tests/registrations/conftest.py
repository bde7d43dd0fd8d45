"""Fixtures only the registrations tests use: none yet.

What they share with other folders is in tests/conftest.py (`published`, `submission`,
`verified_authority`, `registrar`, `authority`, `other_member`: the proposals and API tests use
them too), plain helpers in tests/helpers.py (`submit`, `save`, `text_block`) and factories in
tests/factories.py (`SubmissionFactory`…). A fixture that only these tests need goes here.
"""
