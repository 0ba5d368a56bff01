{#
    Fails with one row per combination of `columns` that occurs more than once, e.g. an artist with two
    rows for the same day. Rows with a null in those columns are grouped like any value; the not_null
    tests on the same columns report them.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences,
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
